import { Link, Outlet, useRouter, useRouterState } from "@tanstack/react-router";
import { LifeBuoy, Menu, X } from "lucide-react";
import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { buttonClasses, ErrorBanner, LanguageSwitcher, ThemeSwitcher } from "@/components";
import { dismissSessionNotice, useSession } from "@/lib/client";

import { useShortcut } from "@/lib/shortcuts";
import { isCurrent, navItems, type NavItem } from "./nav";
import { UserMenu } from "./UserMenu";

// The live-chat launcher, loaded only when shown (customers on the help center and ticket pages).
// The `?` and Ctrl/Cmd+K dialogs, loaded when first opened (the keys are registered here).
const ShortcutHelp = lazy(() => import("@/components/ShortcutHelp").then((module) => ({ default: module.ShortcutHelp })));
const AppPalette = lazy(() => import("./AppPalette").then((module) => ({ default: module.AppPalette })));
const ChatLauncher = lazy(() => import("@/features/chat/ChatLauncher").then((module) => ({ default: module.ChatLauncher })));

/** The frame of every page: header with navigation and preferences, then the page. */
export function AppShell() {
  const { t } = useTranslation();
  const router = useRouter();
  const { state, user, role, isStaff } = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  const [dialog, setDialog] = useState<"help" | "palette">();
  useShortcut("?", () => setDialog("help"), { description: t("shortcuts.help"), group: t("shortcuts.general") });
  useShortcut("mod+k", () => setDialog("palette"), { description: t("shortcuts.palette"), group: t("shortcuts.general"), allowInInput: true, enabled: user !== undefined });
  const pathname = useRouterState({ select: (s) => s.location.pathname });

  // On navigation: close the phone menu, and move focus to the new page's content so keyboard
  // and screen-reader users start there (not on the link they just used).
  const firstPath = useRef(pathname);
  useEffect(() => {
    setMenuOpen(false);
    if (pathname !== firstPath.current) {
      firstPath.current = "";
      document.getElementById("main")?.focus({ preventScroll: true });
    }
  }, [pathname]);
  // A session that ended (expired, signed out elsewhere) re-runs the guards: protected pages redirect.
  useEffect(() => {
    if (state.status === "signedOut") void router.invalidate();
  }, [state.status, router]);

  const nav = navItems(role, t);

  const linkClasses = "rounded-md px-3 py-2 text-sm font-medium whitespace-nowrap text-muted hover:bg-subtle hover:text-fg";
  const activeClasses = "bg-subtle text-fg";
  // Marked by path, not by the router's match of `to`: the admin entry stands for every admin section.
  const navClasses = (item: NavItem) => (isCurrent(item, pathname) ? `${linkClasses} ${activeClasses}` : linkClasses);
  const notice = state.status === "signedOut" ? state.notice : undefined;
  const showLauncher = user !== undefined && !isStaff && (pathname.startsWith("/help") || pathname.startsWith("/tickets"));

  return (
    <div className="flex min-h-dvh flex-col">
      <a href="#main" className="sr-only z-50 rounded-md bg-surface px-3 py-2 focus:not-sr-only focus:fixed focus:top-2 focus:left-2">
        {t("app.skipToContent")}
      </a>
      <header className="sticky top-0 z-20 border-b border-border bg-surface/90 backdrop-blur supports-[backdrop-filter]:bg-surface/80">
        <div className="mx-auto flex h-14 max-w-6xl items-center gap-2 px-4 sm:px-6">
          <Link to="/" className="mr-2 flex items-center gap-2 rounded-md font-semibold text-fg">
            <span className="flex size-7 items-center justify-center rounded-lg bg-accent text-accent-fg">
              <LifeBuoy aria-hidden="true" className="size-4" />
            </span>
            <span>{t("app.name")}</span>
          </Link>
          <nav aria-label={t("nav.main")} className="hidden items-center gap-1 lg:flex">
            {nav.map((item) => (
              <Link key={item.to} to={item.to} className={navClasses(item)} aria-current={isCurrent(item, pathname) ? "page" : undefined}>
                {item.label}
              </Link>
            ))}
          </nav>
          <div className="ml-auto flex items-center gap-2">
            <div className="hidden items-center gap-2 xl:flex">
              <LanguageSwitcher />
              <ThemeSwitcher />
            </div>
            {user ? (
              <UserMenu user={user} />
            ) : state.status === "signedOut" ? (
              <div className="flex items-center gap-2">
                <Link to="/sign-in" className={buttonClasses("ghost", "sm")}>
                  {t("nav.signIn")}
                </Link>
                <Link to="/register" className={buttonClasses("primary", "sm")}>
                  {t("nav.register")}
                </Link>
              </div>
            ) : null}
            <button
              type="button"
              className="flex size-9 items-center justify-center rounded-lg text-muted hover:bg-subtle xl:hidden"
              aria-expanded={menuOpen}
              aria-controls="mobile-menu"
              aria-label={menuOpen ? t("nav.closeMenu") : t("nav.openMenu")}
              onClick={() => setMenuOpen((open) => !open)}
            >
              {menuOpen ? <X aria-hidden="true" className="size-5" /> : <Menu aria-hidden="true" className="size-5" />}
            </button>
          </div>
        </div>
        <div id="mobile-menu" hidden={!menuOpen} className="border-t border-border px-4 pt-2 pb-4 xl:hidden">
          <nav aria-label={t("nav.main")} className="flex flex-col gap-1 lg:hidden">
            {nav.map((item) => (
              <Link key={item.to} to={item.to} className={navClasses(item)} aria-current={isCurrent(item, pathname) ? "page" : undefined}>
                {item.label}
              </Link>
            ))}
          </nav>
          <div className="mt-3 flex flex-wrap items-center gap-2 border-t border-border pt-3">
            <LanguageSwitcher />
            <ThemeSwitcher />
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className={showLauncher ? "flex-1 pb-20 outline-none" : "flex-1 outline-none"}>
        {notice ? (
          <div className="mx-auto max-w-xl px-4 pt-6 sm:px-6">
            <ErrorBanner tone="info" onDismiss={dismissSessionNotice}>
              {t(notice === "expired" ? "session.expired" : "session.signedOut")}
            </ErrorBanner>
          </div>
        ) : null}
        <Outlet />
      </main>
      <footer className="border-t border-border">
        <div className="mx-auto flex max-w-6xl items-center gap-2 px-4 py-4 text-sm text-muted sm:px-6">
          <span>{t("app.name")}</span>
          <span aria-hidden="true">·</span>
          {/* A full page load, not a router link: the reference is its own page beside the app. */}
          <a href="/docs/" className="rounded-md underline underline-offset-4 hover:text-fg">
            {t("nav.apiReference")}
          </a>
        </div>
      </footer>
      <Suspense fallback={null}>
        {dialog === "help" ? <ShortcutHelp open onClose={() => setDialog(undefined)} /> : null}
        {dialog === "palette" && user ? <AppPalette onClose={() => setDialog(undefined)} /> : null}
      </Suspense>
      {showLauncher ? (
        <Suspense fallback={null}>
          <ChatLauncher />
        </Suspense>
      ) : null}
    </div>
  );
}

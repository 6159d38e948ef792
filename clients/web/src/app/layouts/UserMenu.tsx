import { Link, useNavigate } from "@tanstack/react-router";
import { ChevronDown, LogOut, Settings } from "lucide-react";
import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { User } from "@helpdesk/client";
import { Avatar } from "@/components";
import { signOut } from "@/lib/client";
import { roleKey } from "@/lib/roles";

/** The signed-in user's name with a menu: settings and sign out. Closes on Escape or outside click. */
export function UserMenu({ user }: { user: User }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const container = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!container.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        setOpen(false);
        button.current?.focus();
      }
    };
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  const itemClasses = "flex w-full items-center gap-2 rounded-md px-2.5 py-2 text-left text-sm text-fg hover:bg-subtle";
  return (
    <div ref={container} className="relative">
      <button
        ref={button}
        type="button"
        aria-haspopup="true"
        aria-expanded={open}
        aria-controls={menuId}
        onClick={() => setOpen((value) => !value)}
        className="flex h-9 items-center gap-2 rounded-lg pr-2 pl-1 hover:bg-subtle"
      >
        <Avatar name={user.displayName} className="size-7" />
        {/* The name is the button's accessible name; shown from lg, read by screen readers always. */}
        <span className="sr-only max-w-36 truncate text-sm font-medium lg:not-sr-only">{user.displayName}</span>
        <ChevronDown aria-hidden="true" className="size-4 text-muted" />
      </button>
      {open ? (
        <div id={menuId} className="absolute right-0 z-30 mt-2 w-64 rounded-xl border border-border bg-surface p-1.5 shadow-lg">
          <div className="border-b border-border px-2.5 pt-1.5 pb-2.5">
            <p className="truncate text-sm font-medium text-fg">{user.displayName}</p>
            <p className="truncate text-xs text-muted">{user.email}</p>
            <p className="mt-1 text-xs text-muted">{t(roleKey(user.role))}</p>
          </div>
          <div className="pt-1.5">
            <Link to="/settings" className={itemClasses} onClick={() => setOpen(false)}>
              <Settings aria-hidden="true" className="size-4 text-muted" />
              {t("nav.settings")}
            </Link>
            <button
              type="button"
              className={itemClasses}
              onClick={() => {
                setOpen(false);
                void signOut().then(() => navigate({ to: "/sign-in" }));
              }}
            >
              <LogOut aria-hidden="true" className="size-4 text-muted" />
              {t("nav.signOut")}
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}

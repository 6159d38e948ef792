import { Link, Navigate, useNavigate } from "@tanstack/react-router";
import { BookOpen, MessageSquarePlus } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { buttonClasses, PageSpinner, SearchInput } from "@/components";
import { Role } from "@helpdesk/client";
import { useSession } from "@/lib/client";
import { useDocumentTitle } from "@/lib/title";

/** `/`: signed-in users go to their tickets (agents to the ticket queue, admins to the admin console); visitors get a welcome. */
export function HomePage() {
  const { state, role } = useSession();
  useDocumentTitle(undefined);
  if (state.status === "restoring") return <PageSpinner />;
  if (state.status === "signedIn") return <Navigate to={role === Role.ADMIN ? "/admin/users" : "/tickets"} replace />;
  return <Welcome />;
}

function Welcome() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [query, setQuery] = useState("");
  return (
    <div className="mx-auto w-full max-w-3xl px-4 py-16 text-center sm:px-6 sm:py-24">
      <h1 className="text-3xl font-semibold tracking-tight text-fg sm:text-4xl">{t("home.title")}</h1>
      <p className="mx-auto mt-3 max-w-xl text-base text-muted">{t("home.subtitle")}</p>
      <form
        role="search"
        className="mx-auto mt-8 flex max-w-xl gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          void navigate({ to: "/help", search: query.trim() ? { q: query.trim() } : {} });
        }}
      >
        <SearchInput
          className="flex-1"
          size="lg"
          label={t("home.searchLabel")}
          value={query}
          onChange={setQuery}
          placeholder={t("home.searchPlaceholder")}
        />
        <button type="submit" className={buttonClasses("primary", "md", "h-12")}>
          {t("home.search")}
        </button>
      </form>
      <div className="mt-12 grid gap-4 text-left sm:grid-cols-2">
        <Link to="/help" className="group rounded-xl border border-border bg-surface p-5 shadow-xs hover:border-border-strong">
          <BookOpen aria-hidden="true" className="size-5 text-accent" />
          <h2 className="mt-3 font-semibold text-fg">{t("home.helpTitle")}</h2>
          <p className="mt-1 text-sm text-muted">{t("home.helpBody")}</p>
        </Link>
        <Link to="/register" className="group rounded-xl border border-border bg-surface p-5 shadow-xs hover:border-border-strong">
          <MessageSquarePlus aria-hidden="true" className="size-5 text-accent" />
          <h2 className="mt-3 font-semibold text-fg">{t("home.contactTitle")}</h2>
          <p className="mt-1 text-sm text-muted">{t("home.contactBody")}</p>
        </Link>
      </div>
    </div>
  );
}

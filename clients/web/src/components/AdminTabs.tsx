// The admin console's sections, above each admin page. Imported by path (not from the barrel): only
// the lazily loaded admin pages use it. On a wide screen, a row of tabs (wrapping rather than
// scrolling sideways if it ever runs out of room); on a phone or tablet, where seven tabs do not fit
// on one line, one button naming the current section that opens the list of sections under it.
// AdminPage is the frame of every admin page: the tabs, then the page.
import { Link, useLocation } from "@tanstack/react-router";
import { ChevronDown } from "lucide-react";
import { useId, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { cx } from "@/lib/cx";
import { registerTranslations } from "@/lib/i18n";
import { Page } from "./Page";

registerTranslations("adminTabs", {
  en: {
    label: "Admin sections",
    current: "Admin section: {{name}}",
    users: "Users",
    sla: "Service levels",
    assignment: "Assignment",
    macros: "Macros",
    responses: "Canned responses",
    retention: "Retention",
    status: "System status",
  },
  "pt-BR": {
    label: "Seções de administração",
    current: "Seção de administração: {{name}}",
    users: "Usuários",
    sla: "Níveis de serviço",
    assignment: "Atribuição",
    macros: "Macros",
    responses: "Respostas prontas",
    retention: "Retenção",
    status: "Status",
  },
});

const SECTIONS = [
  { to: "/admin/users", key: "users" },
  { to: "/admin/sla", key: "sla" },
  { to: "/admin/assignment", key: "assignment" },
  { to: "/admin/macros", key: "macros" },
  { to: "/agent/canned-responses", key: "responses" },
  { to: "/admin/retention", key: "retention" },
  { to: "/admin/status", key: "status" },
] as const;

/** Links between the admin pages; the current one is marked. */
export function AdminTabs() {
  const { t } = useTranslation("adminTabs");
  const { pathname } = useLocation();
  const [open, setOpen] = useState(false);
  const listId = useId();
  const current = SECTIONS.find((section) => pathname === section.to || pathname.startsWith(`${section.to}/`));
  return (
    <nav aria-label={t("label")} className="mb-6">
      <div className="lg:hidden">
        <button
          type="button"
          aria-expanded={open}
          aria-controls={listId}
          onClick={() => setOpen((value) => !value)}
          onKeyDown={(event) => {
            if (event.key === "Escape") setOpen(false);
          }}
          className="flex h-10 w-full items-center justify-between gap-2 rounded-lg border border-border bg-surface px-3 text-left text-sm text-fg shadow-xs"
        >
          <span className="min-w-0 truncate">
            <span className="text-muted">{t("label")}: </span>
            <span className="font-medium">{current ? t(current.key) : ""}</span>
          </span>
          <ChevronDown aria-hidden="true" className={cx("size-4 shrink-0 text-muted", open && "rotate-180")} />
        </button>
        {open ? (
          <ul id={listId} className="mt-1 flex flex-col rounded-lg border border-border bg-surface p-1 shadow-xs">
            {SECTIONS.map((section) => (
              <li key={section.to}>
                <Link
                  to={section.to}
                  onClick={() => setOpen(false)}
                  className="flex h-10 items-center rounded-md px-3 text-sm text-fg hover:bg-subtle"
                  activeProps={{ className: "bg-accent-soft font-medium text-accent-soft-fg!", "aria-current": "page" }}
                >
                  {t(section.key)}
                </Link>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      <ul className="hidden flex-wrap gap-x-1 border-b border-border lg:flex">
        {SECTIONS.map((section) => (
          <li key={section.to}>
            <Link
              to={section.to}
              className="-mb-px inline-flex h-10 items-center border-b-2 border-transparent px-3 text-sm text-muted hover:text-fg"
              activeProps={{ className: "border-accent! font-medium text-fg!", "aria-current": "page" }}
            >
              {t(section.key)}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/**
 * An admin page under the tabs. Every admin page has the same width, so that the tabs stay where
 * they are from one section to the next; a form page (`narrow`) keeps its lines to a readable
 * length, left-aligned under them.
 */
export function AdminPage({ narrow = false, children }: { narrow?: boolean; children: ReactNode }) {
  return (
    <Page width="wide">
      <AdminTabs />
      {narrow ? <div className="max-w-4xl">{children}</div> : children}
    </Page>
  );
}

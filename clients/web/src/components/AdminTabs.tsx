// The admin console's sections, above each admin page. Imported by path (not from the barrel): only
// the lazily loaded admin pages use it.
import { Link } from "@tanstack/react-router";
import { useTranslation } from "react-i18next";
import { registerTranslations } from "@/lib/i18n";

registerTranslations("adminTabs", {
  en: { label: "Admin sections", users: "Users", sla: "Service levels", assignment: "Assignment", responses: "Canned responses", retention: "Retention", status: "System status" },
  "pt-BR": { label: "Seções de administração", users: "Usuários", sla: "Níveis de serviço", assignment: "Atribuição", responses: "Respostas prontas", retention: "Retenção", status: "Status" },
});

const SECTIONS = [
  { to: "/admin/users", key: "users" },
  { to: "/admin/sla", key: "sla" },
  { to: "/admin/assignment", key: "assignment" },
  { to: "/agent/canned-responses", key: "responses" },
  { to: "/admin/retention", key: "retention" },
  { to: "/admin/status", key: "status" },
] as const;

/** Links between the admin pages; the current one is marked. */
export function AdminTabs() {
  const { t } = useTranslation("adminTabs");
  return (
    <nav aria-label={t("label")} className="-mx-4 mb-6 overflow-x-auto px-4 sm:mx-0 sm:px-0">
      <ul className="flex min-w-max gap-1 border-b border-border">
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

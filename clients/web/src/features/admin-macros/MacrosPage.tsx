import { getRouteApi } from "@tanstack/react-router";
import { Zap } from "lucide-react";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { AdminList } from "@/components/admin/AdminList";
import { Badge, SearchInput } from "@/components";
import { useSearchText } from "@/lib/search-text";
import { useAssignableAgents, useDeleteMacro, useMacros } from "./api";
import { shortStep } from "./describe";
import { filterMacros, fromMacro } from "./model";
import "./i18n";

const route = getRouteApi("/admin/macros/");

/** `/admin/macros`: every macro by name, searchable, each with what its steps do; create, edit, delete. */
export function MacrosPage() {
  const { t } = useTranslation("adminMacros");
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [query, setQuery] = useSearchText(search.q, (q) => void navigate({ search: { q }, replace: true }));
  const macros = useMacros();
  const agents = useAssignableAgents();
  const remove = useDeleteMacro();
  const shown = useMemo(() => filterMacros(macros.data ?? [], search.q ?? ""), [macros.data, search.q]);

  return (
    <AdminList
      ns="adminMacros"
      query={macros}
      items={shown}
      icon={Zap}
      search={(macros.data?.length ?? 0) > 0 || search.q ? <SearchInput className="mb-4" label={t("search")} value={query} onChange={setQuery} placeholder={t("searchPlaceholder")} /> : null}
      noMatch={search.q ? t("noMatch") : undefined}
      create="/admin/macros/new"
      edit={(macro) => ({ to: "/admin/macros/$macroId", params: { macroId: macro.id } })}
      remove={remove.mutateAsync}
      nameOf={(macro) => macro.name}
      badges={(macro) => <Badge>{t("steps", { count: macro.actions.length })}</Badge>}
      about={(macro) => (
        <>
          {macro.description ? <p className="mt-1 text-sm wrap-anywhere text-muted">{macro.description}</p> : null}
          <p className="mt-1 text-xs wrap-anywhere text-muted">
            {fromMacro(macro)
              .actions.map((step) => shortStep(step, t, agents.data))
              .join(" · ")}
          </p>
        </>
      )}
    />
  );
}

import { getRouteApi, Link } from "@tanstack/react-router";
import { Plus, Zap } from "lucide-react";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { AdminTabs } from "@/components/AdminTabs";
import { ItemList, ItemRow, ListStates } from "@/components/admin/ItemList";
import { useDeleteConfirm } from "@/components/admin/useDeleteConfirm";
import { Badge, Button, buttonClasses, ConfirmDialog, ErrorBanner, Page, PageHeader, SearchInput } from "@/components";
import { useSearchText } from "@/lib/search-text";
import { useDocumentTitle } from "@/lib/title";
import { useAssignableAgents, useDeleteMacro, useMacros } from "./api";
import { shortStep } from "./describe";
import { filterMacros, fromMacro } from "./model";
import "./i18n";

const route = getRouteApi("/admin/macros/");

/** `/admin/macros`: every macro by name, searchable, each with what its steps do; create, edit, delete. */
export function MacrosPage() {
  const { t } = useTranslation("adminMacros");
  const { t: tc } = useTranslation();
  useDocumentTitle(t("title"));
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [query, setQuery] = useSearchText(search.q, (q) => void navigate({ search: { q }, replace: true }));
  const macros = useMacros();
  const agents = useAssignableAgents();
  const remove = useDeleteMacro();
  const deletion = useDeleteConfirm({ remove: remove.mutateAsync, onDeleted: (item) => setNotice(t("deleted", { name: item.name })) });
  const [notice, setNotice] = useState<string>();
  const shown = useMemo(() => filterMacros(macros.data ?? [], search.q ?? ""), [macros.data, search.q]);

  return (
    <Page width="wide">
      <AdminTabs />
      <PageHeader
        title={t("title")}
        description={t("subtitle")}
        actions={
          <Link to="/admin/macros/new" className={buttonClasses("primary")}>
            <Plus aria-hidden="true" className="size-4" />
            {t("add")}
          </Link>
        }
      />
      {(macros.data?.length ?? 0) > 0 || search.q ? <SearchInput className="mb-4" label={t("search")} value={query} onChange={setQuery} placeholder={t("searchPlaceholder")} /> : null}
      {notice ? (
        <ErrorBanner tone="info" className="mb-4" onDismiss={() => setNotice(undefined)}>
          {notice}
        </ErrorBanner>
      ) : null}
      <ListStates query={macros} items={shown} loadFailed={t("loadFailed")} empty={search.q ? { noMatch: t("noMatch") } : { icon: Zap, title: t("emptyTitle"), body: t("emptyBody") }}>
        {(items) => (
          <ItemList label={t("listLabel")}>
            {items.map((macro) => (
              <ItemRow
                key={macro.id}
                title={
                  <>
                    <span className="font-medium break-words text-fg">{macro.name}</span>
                    <Badge>{t("steps", { count: macro.actions.length })}</Badge>
                  </>
                }
                about={
                  <>
                    {macro.description ? <p className="mt-1 text-sm break-words text-muted">{macro.description}</p> : null}
                    <p className="mt-1 text-xs break-words text-muted">
                      {fromMacro(macro)
                        .actions.map((step) => shortStep(step, t, agents.data))
                        .join(" · ")}
                    </p>
                  </>
                }
                actions={
                  <>
                    <Link to="/admin/macros/$macroId" params={{ macroId: macro.id }} aria-label={t("editNamed", { name: macro.name })} className={buttonClasses("secondary", "sm")}>
                      {t("edit")}
                    </Link>
                    <Button
                      variant="ghost"
                      size="sm"
                      aria-label={t("deleteNamed", { name: macro.name })}
                      onClick={() => deletion.ask(macro)}
                    >
                      {t("delete")}
                    </Button>
                  </>
                }
              />
            ))}
          </ItemList>
        )}
      </ListStates>
      <ConfirmDialog
        {...deletion.dialog}
        title={t("confirmDeleteTitle", { name: deletion.doomed?.name ?? "" })}
        description={t("confirmDeleteBody")}
        cancelLabel={tc("common.cancel")}
        confirmLabel={t("delete")}
        pendingLabel={t("deleting")}
      />
    </Page>
  );
}

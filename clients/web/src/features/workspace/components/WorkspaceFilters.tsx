import { getRouteApi, useNavigate } from "@tanstack/react-router";
import { SlidersHorizontal, X } from "lucide-react";
import { useId, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { SearchInput } from "@/components";
import { useSearchText } from "@/lib/search-text";
import { CATEGORIES, PRIORITY_NAMES, STATUS_NAMES, type PriorityName, type StatusName } from "@/lib/ticket-names";
import { useAgents } from "../api";
import { defaultSort, hasFreeFilters, SORTS, type SortName, type WorkspaceSearch } from "../search";

const route = getRouteApi("/agent/tickets/");

const control = "h-9 w-full rounded-lg border border-border-strong bg-surface px-2.5 text-sm text-fg shadow-xs";

function Labelled({ label, children, className }: { label: string; children: (id: string) => ReactNode; className?: string }) {
  const id = useId();
  return (
    <div className={className}>
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-muted">
        {label}
      </label>
      {children(id)}
    </div>
  );
}

/** Text, status, priority, assignee, category, tag, created between, and sort: all in the URL. */
export function WorkspaceFilters() {
  const { t } = useTranslation("workspace");
  const search = route.useSearch();
  const navigate = useNavigate({ from: "/agent/tickets/" });
  const agents = useAgents();
  const set = (patch: Partial<WorkspaceSearch>): void => {
    void navigate({ search: (prev) => ({ ...prev, ...patch }), replace: true });
  };
  const [text, setText] = useSearchText(search.q, (q) => set({ q }));
  const [tag, setTag] = useSearchText(search.tag, (value) => set({ tag: value?.toLowerCase() }), 500);
  // Narrow screens show the filter fields on demand (always on wide ones).
  const [shown, setShown] = useState(false);
  const gridId = useId();
  const active = [search.status, search.priority, search.assignee, search.category, search.tag, search.from, search.to].filter(Boolean).length;

  return (
    <div className="flex flex-col gap-3">
      <div className="flex gap-2">
        <SearchInput className="flex-1" label={t("filters.search")} value={text} onChange={setText} placeholder={t("filters.searchPlaceholder")} />
        <button
          type="button"
          aria-expanded={shown}
          aria-controls={gridId}
          onClick={() => setShown((value) => !value)}
          className="inline-flex h-10 shrink-0 items-center gap-1.5 rounded-lg border border-border-strong bg-surface px-3 text-sm font-medium text-fg shadow-xs lg:hidden"
        >
          <SlidersHorizontal aria-hidden="true" className="size-4" />
          {active > 0 ? t("filters.toggleCount", { count: active }) : t("filters.toggle")}
        </button>
      </div>
      {/* Four columns at most: eight left a date or "Due soonest" too narrow to read. */}
      <div id={gridId} className={`${shown ? "grid" : "hidden"} grid-cols-2 gap-x-3 gap-y-2 sm:grid-cols-4 lg:grid`}>
        <Labelled label={t("filters.status")}>
          {(id) => (
            <select id={id} className={control} value={search.status?.[0] ?? ""} onChange={(event) => set({ status: event.target.value ? [event.target.value as StatusName] : undefined })}>
              <option value="">{t("filters.viewDefault")}</option>
              {STATUS_NAMES.map((name) => (
                <option key={name} value={name}>
                  {t(`status.${name}`)}
                </option>
              ))}
            </select>
          )}
        </Labelled>
        <Labelled label={t("filters.priority")}>
          {(id) => (
            <select id={id} className={control} value={search.priority?.[0] ?? ""} onChange={(event) => set({ priority: event.target.value ? [event.target.value as PriorityName] : undefined })}>
              <option value="">{t("filters.any")}</option>
              {PRIORITY_NAMES.map((name) => (
                <option key={name} value={name}>
                  {t(`priority.${name}`)}
                </option>
              ))}
            </select>
          )}
        </Labelled>
        <Labelled label={t("filters.assignee")}>
          {(id) => (
            <select id={id} className={control} value={search.assignee ?? ""} onChange={(event) => set({ assignee: event.target.value || undefined })}>
              <option value="">{t("filters.viewDefault")}</option>
              <option value="me">{t("filters.me")}</option>
              <option value="none">{t("filters.unassigned")}</option>
              {(agents.data ?? []).map((agent) => (
                <option key={agent.id} value={agent.id}>
                  {agent.displayName}
                </option>
              ))}
            </select>
          )}
        </Labelled>
        <Labelled label={t("filters.category")}>
          {(id) => (
            <select id={id} className={control} value={search.category ?? ""} onChange={(event) => set({ category: event.target.value || undefined })}>
              <option value="">{t("filters.any")}</option>
              {CATEGORIES.map((name) => (
                <option key={name} value={name}>
                  {t(`category.${name}`)}
                </option>
              ))}
            </select>
          )}
        </Labelled>
        <Labelled label={t("filters.tag")}>
          {(id) => <input id={id} className={control} value={tag} onChange={(event) => setTag(event.target.value)} placeholder={t("filters.tagPlaceholder")} />}
        </Labelled>
        <Labelled label={t("filters.from")}>
          {(id) => <input id={id} type="date" className={control} value={search.from ?? ""} onChange={(event) => set({ from: event.target.value || undefined })} />}
        </Labelled>
        <Labelled label={t("filters.to")}>
          {(id) => <input id={id} type="date" className={control} value={search.to ?? ""} onChange={(event) => set({ to: event.target.value || undefined })} />}
        </Labelled>
        <Labelled label={t("filters.sort")}>
          {(id) => (
            <select id={id} className={control} value={search.sort ?? defaultSort(search.view)} onChange={(event) => set({ sort: event.target.value === defaultSort(search.view) ? undefined : (event.target.value as SortName) })}>
              {SORTS.map((name) => (
                <option key={name} value={name}>
                  {t(`sort.${name}`)}
                </option>
              ))}
            </select>
          )}
        </Labelled>
      </div>
      {hasFreeFilters(search) ? (
        <div>
          <button
            type="button"
            onClick={() => {
              setText("");
              setTag("");
              void navigate({ search: { view: search.view, sort: search.sort } });
            }}
            className="inline-flex h-8 items-center gap-1 rounded-md px-2 text-[13px] font-medium text-muted hover:bg-subtle hover:text-fg"
          >
            <X aria-hidden="true" className="size-3.5" />
            {t("filters.clear")}
          </button>
        </div>
      ) : null}
    </div>
  );
}

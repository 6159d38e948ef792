import { getRouteApi, useNavigate } from "@tanstack/react-router";
import { ChevronDown, X } from "lucide-react";
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { cx } from "@/lib/cx";
import { SearchInput } from "@/components";
import { useSearchText } from "@/lib/search-text";
import { PRIORITY_NAMES, STATUS_NAMES, type PriorityName, type StatusName } from "../search";

const route = getRouteApi("/tickets/");

/** Text search, status toggles and priority, all kept in the URL. */
export function TicketFilters() {
  const { t } = useTranslation("tickets");
  const search = route.useSearch();
  const navigate = useNavigate({ from: "/tickets/" });
  const [text, setText] = useSearchText(search.q, (q) => void navigate({ search: (prev) => ({ ...prev, q }), replace: true }));
  const priorityId = useId();

  const statuses = new Set(search.status ?? []);
  const toggleStatus = (name: StatusName) => {
    const next = new Set(statuses);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    const status = STATUS_NAMES.filter((value) => next.has(value));
    void navigate({ search: (prev) => ({ ...prev, status: status.length ? status : undefined }) });
  };
  const priority = search.priority?.[0] ?? "";
  const filtered = Boolean(search.q || search.status || search.priority);

  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-col gap-3 sm:flex-row">
        <SearchInput className="flex-1" label={t("list.searchLabel")} value={text} onChange={setText} placeholder={t("list.searchPlaceholder")} />
        <div className="relative sm:w-48">
          <label htmlFor={priorityId} className="sr-only">
            {t("list.priorityFilter")}
          </label>
          <select
            id={priorityId}
            value={priority}
            onChange={(event) => {
              const value = event.target.value as PriorityName | "";
              void navigate({ search: (prev) => ({ ...prev, priority: value ? [value] : undefined }) });
            }}
            className="h-10 w-full appearance-none rounded-lg border border-border-strong bg-surface pr-9 pl-3 text-sm text-fg shadow-xs"
          >
            <option value="">{t("list.anyPriority")}</option>
            {PRIORITY_NAMES.map((name) => (
              <option key={name} value={name}>
                {t(`priority.${name}`)}
              </option>
            ))}
          </select>
          <ChevronDown aria-hidden="true" className="pointer-events-none absolute top-1/2 right-3 size-4 -translate-y-1/2 text-muted" />
        </div>
      </div>
      <div role="group" aria-label={t("list.statusFilter")} className="flex flex-wrap items-center gap-2">
        {STATUS_NAMES.map((name) => {
          const pressed = statuses.has(name);
          return (
            <button
              key={name}
              type="button"
              aria-pressed={pressed}
              onClick={() => toggleStatus(name)}
              className={cx(
                "h-8 rounded-full border px-3 text-[13px] font-medium transition-colors",
                pressed ? "border-accent bg-accent-soft text-accent-soft-fg" : "border-border bg-surface text-muted hover:text-fg",
              )}
            >
              {t(`status.${name}`)}
            </button>
          );
        })}
        {filtered ? (
          <button
            type="button"
            onClick={() => {
              setText("");
              void navigate({ search: {} });
            }}
            className="ml-1 inline-flex h-8 items-center gap-1 rounded-md px-2 text-[13px] font-medium text-muted hover:text-fg"
          >
            <X aria-hidden="true" className="size-3.5" />
            {t("list.clearFilters")}
          </button>
        ) : null}
      </div>
    </div>
  );
}

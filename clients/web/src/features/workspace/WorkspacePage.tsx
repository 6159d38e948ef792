import { getRouteApi, Link } from "@tanstack/react-router";
import { Inbox, SearchX } from "lucide-react";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button, buttonClasses, EmptyState, ErrorBanner } from "@/components";
import { client, useSession } from "@/lib/client";
import { describeError } from "@/lib/errors";
import { formatNumber } from "@/lib/format";
import { useShortcut } from "@/lib/shortcuts";
import { useDocumentTitle } from "@/lib/title";
import { useQueryClient } from "@tanstack/react-query";
import { storeTicket, useViewCounts, useWorkspaceList } from "./api";
import { BulkBar } from "./components/BulkBar";
import { LiveStatus } from "./components/LiveStatus";
import { TicketRows } from "./components/TicketRows";
import { ViewNav } from "./components/ViewNav";
import { WorkspaceFilters } from "./components/WorkspaceFilters";
import { useLiveList } from "./hooks/use-live-list";
import { flattenPages } from "./live-list";
import { hasFreeFilters, ticketQuery } from "./search";
import { moveRowFocus, focusedRowId } from "./row-focus";
import "./i18n";

const route = getRouteApi("/agent/tickets/");

/** `/agent/tickets`: the agent's views, filters and live list, with bulk actions and j/k/x/a keys. */
export function WorkspacePage() {
  const { t, i18n } = useTranslation("workspace");
  const { t: tc } = useTranslation();
  const { user } = useSession();
  const search = route.useSearch();
  const view = search.view ?? "mine";
  useDocumentTitle(t(`views.${view}`));
  const query = useMemo(() => ticketQuery(search), [search]);
  const list = useWorkspaceList(query);
  const counts = useViewCounts();
  const live = useLiveList(query, user?.id ?? "");
  const tickets = useMemo(() => flattenPages(list.data?.pages ?? []), [list.data]);
  const [selectedIds, setSelectedIds] = useState<ReadonlySet<string>>(new Set());
  const selected = tickets.filter((ticket) => selectedIds.has(ticket.id));
  const queryClient = useQueryClient();

  const toggle = (id: string): void =>
    setSelectedIds((ids) => {
      const next = new Set(ids);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const group = t("keys.list");
  useShortcut("j", () => moveRowFocus(1), { description: t("keys.next"), group });
  useShortcut("k", () => moveRowFocus(-1), { description: t("keys.previous"), group });
  // Enter on a focused row opens it natively (it is a link); listed here so `?` shows it.
  useShortcut("Enter", () => false, { description: t("keys.open"), group });
  useShortcut(
    "x",
    () => {
      const id = focusedRowId();
      if (id) toggle(id);
    },
    { description: t("keys.select"), group },
  );
  useShortcut(
    "a",
    () => {
      const ticket = tickets.find((row) => row.id === focusedRowId());
      if (ticket) void client.tickets.assignTicket({ id: ticket.id, assigneeId: "me", etag: ticket.etag }).then((updated) => storeTicket(queryClient, updated));
    },
    { description: t("keys.assignMe"), group },
  );

  let body;
  if (list.isPending) {
    body = <div className="h-64 animate-pulse rounded-xl border border-border bg-surface" aria-hidden="true" />;
  } else if (list.isError && tickets.length === 0) {
    body = <ErrorBanner onRetry={() => void list.refetch()}>{describeError(list.error, tc)}</ErrorBanner>;
  } else if (tickets.length === 0) {
    body = hasFreeFilters(search) ? (
      <EmptyState
        icon={SearchX}
        title={t("list.noMatchTitle")}
        body={t("list.noMatchBody")}
        action={
          <Link to="/agent/tickets" search={search.view ? { view: search.view } : {}} className={buttonClasses("secondary")}>
            {t("filters.clear")}
          </Link>
        }
      />
    ) : (
      <EmptyState icon={Inbox} title={t(`empty.${view}.title`)} body={t(`empty.${view}.body`)} />
    );
  } else {
    body = (
      <>
        <TicketRows
          tickets={tickets}
          selected={selectedIds}
          fresh={live.fresh}
          onToggle={toggle}
          onToggleAll={(all) => setSelectedIds(all ? new Set(tickets.map((ticket) => ticket.id)) : new Set())}
        />
        {list.hasNextPage ? (
          <div className="mt-3">
            <Button variant="secondary" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
              {tc("common.loadMore")}
            </Button>
          </div>
        ) : null}
        {list.isError ? <ErrorBanner className="mt-3">{describeError(list.error, tc)}</ErrorBanner> : null}
      </>
    );
  }

  const count = counts[view];
  return (
    <div className="mx-auto w-full max-w-6xl px-4 py-6 sm:px-6">
      <div className="grid gap-6 lg:grid-cols-[14rem_minmax(0,1fr)]">
        <aside className="min-w-0">
          <h2 className="mb-2 hidden px-3 text-xs font-semibold tracking-wide text-muted uppercase lg:block">{t("views.label")}</h2>
          <ViewNav current={view} counts={counts} />
        </aside>
        <section className="flex min-w-0 flex-col gap-4" aria-labelledby="workspace-title">
          <div className="flex flex-wrap items-end justify-between gap-2">
            <div>
              <h1 id="workspace-title" className="text-xl font-semibold tracking-tight text-fg">
                {t(`views.${view}`)}
              </h1>
              <p className="text-sm text-muted">{count === undefined ? "\u00a0" : t("list.count", { count, formatted: formatNumber(count, i18n.language) })}</p>
            </div>
            <LiveStatus state={live.state} />
          </div>
          <WorkspaceFilters />
          {selected.length > 0 ? <BulkBar tickets={selected} onDone={() => setSelectedIds(new Set())} /> : null}
          <div aria-busy={list.isFetching}>{body}</div>
        </section>
      </div>
    </div>
  );
}

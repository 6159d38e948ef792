import { Code } from "@connectrpc/connect";
import { HelpdeskError, Role } from "@helpdesk/client";
import { getRouteApi } from "@tanstack/react-router";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorBanner, Page, PageHeader, PageSpinner } from "@/components";
import { useSession } from "@/lib/client";
import { describeError, mapViolations } from "@/lib/errors";
import { formatDateTime } from "@/lib/format";
import { useDocumentTitle } from "@/lib/title";
import { downloadCsv, useAgentLoadReport, useAgents, useChatReport, useSatisfactionReport, useTicketReport, type ExportName } from "./api";
import { ReportFilters } from "./components/ReportFilters";
import { AgentLoadCharts, BreakdownChart, ChatCharts, ReportSection, SatisfactionCharts, TicketCharts, useFormats } from "./components/sections";
import { averageRating, count, csvFileName, measured, reportQuery, viewerTimeZone } from "./model";
import { dayString, parseDay, settleRange, type ReportSearch } from "./search";
import "./i18n";

const route = getRouteApi("/reports");

/** Violations of the report query placed on the filter fields; the rest go to the banner. */
const FILTER_PATHS = { "query.start_time": "from", "query.end_time": "to", "query.agent_id": "agent", "query.category": "category" } as const;
type FilterField = (typeof FILTER_PATHS)[keyof typeof FILTER_PATHS];
const FILTER_FIELDS: readonly FilterField[] = ["from", "to", "agent", "category"];

/** `/reports`: how support is doing (admins) or how the signed-in agent is doing (agents). */
export function ReportsPage() {
  const { t, i18n } = useTranslation("reports");
  const { t: tc } = useTranslation();
  useDocumentTitle(t("title"));
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const { role } = useSession();
  const isAdmin = role === Role.ADMIN;
  const format = useFormats();

  const today = dayString(new Date());
  // Recomputed when the day changes, so that a page left open overnight moves its default range on.
  const range = useMemo(() => settleRange(search, parseDay(today)), [search, today]);
  const timeZone = useMemo(viewerTimeZone, []);
  const context = { bucket: range.bucket, timeZone };
  const query = useMemo(() => reportQuery(range, search, timeZone), [range, search, timeZone]);
  const groupedQuery = useMemo(() => reportQuery(range, search, timeZone, search.by), [range, search, timeZone]);

  const tickets = useTicketReport(query);
  const chats = useChatReport(query);
  const satisfaction = useSatisfactionReport(query);
  const load = useAgentLoadReport(query);
  const grouped = useTicketReport(groupedQuery, search.by !== undefined);
  const agents = useAgents(isAdmin);

  const [exporting, setExporting] = useState<ExportName | undefined>();
  const [exportError, setExportError] = useState<string | undefined>();
  const exportCsv = async (name: ExportName, file: string, exported = query) => {
    setExporting(name);
    setExportError(undefined);
    try {
      await downloadCsv(name, exported, csvFileName(file, range));
    } catch (error) {
      setExportError(`${t("exportFailed")} ${describeError(error, tc)}`);
    } finally {
      setExporting(undefined);
    }
  };

  const change = (next: ReportSearch) => void navigate({ search: next, replace: true });

  const failure = [tickets, chats, satisfaction, load, grouped].find((result) => result.isError)?.error;
  const failed = failure === undefined || failure === null ? undefined : HelpdeskError.from(failure);
  const placed =
    failed?.code === Code.InvalidArgument ? mapViolations(failed.fieldViolations, FILTER_FIELDS, tc, FILTER_PATHS) : { fields: {}, unplaced: [] as string[] };
  const bannerNeeded = failed !== undefined && (failed.code !== Code.InvalidArgument || placed.unplaced.length > 0 || Object.keys(placed.fields).length === 0);

  const ticketTotal = tickets.data?.series[0]?.total;
  const chatTotal = chats.data?.series[0]?.total;
  const csatTotal = satisfaction.data?.series[0]?.total;
  const summary = [
    { label: t("summary.created"), value: format.count(count(ticketTotal?.created)) },
    { label: t("summary.resolved"), value: format.count(count(ticketTotal?.resolved)) },
    { label: t("summary.backlog"), value: format.count(count(ticketTotal?.backlog)) },
    { label: t("summary.firstResponse"), value: format.duration(measured(ticketTotal?.firstResponse, "median")) },
    {
      label: t("summary.slaMet"),
      // No SLA-bound ticket resolved: a dash, not "0 %".
      value: count(ticketTotal?.slaMet) + count(ticketTotal?.slaBreached) > 0 ? format.percent(ticketTotal?.slaMetRatio ?? 0) : "—",
    },
    { label: t("summary.chats"), value: format.count(count(chatTotal?.started)) },
    { label: t("summary.csat"), value: format.rating(averageRating(csatTotal?.tickets)) },
  ];


  return (
    <Page width="wide">
      <PageHeader title={t("title")} description={isAdmin ? t("subtitleAdmin") : t("subtitleAgent")} />
      <ReportFilters
        search={search}
        range={range}
        agents={isAdmin ? (agents.data ?? []).map((agent) => ({ id: agent.id, name: agent.displayName || agent.id })) : undefined}
        serverErrors={placed.fields}
        onChange={change}
      />
      {bannerNeeded ? (
        <ErrorBanner className="mb-6" details={placed.unplaced} onRetry={() => void Promise.all([tickets.refetch(), chats.refetch(), satisfaction.refetch(), load.refetch()])}>
          {describeError(failed, tc)}
        </ErrorBanner>
      ) : null}
      {exportError ? (
        <ErrorBanner className="mb-6" onDismiss={() => setExportError(undefined)}>
          {exportError}
        </ErrorBanner>
      ) : null}

      {tickets.isPending && !failed ? <PageSpinner /> : null}
      {tickets.data ? (
        <>
          <dl aria-label={t("summary.label")} className="mb-8 grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-7">
            {summary.map((entry) => (
              <div key={entry.label} className="rounded-xl border border-border bg-surface p-3 shadow-xs">
                <dt className="text-xs text-muted">{entry.label}</dt>
                <dd className="mt-1 text-lg font-semibold text-fg tabular-nums">{entry.value}</dd>
              </div>
            ))}
          </dl>
          <ReportSection id="tickets" title={t("section.tickets")} exporting={exporting === "tickets"} onExport={() => void exportCsv("tickets", "tickets")}>
            <TicketCharts report={tickets.data} context={context} />
          </ReportSection>
          {tickets.data.dataTime ? <p className="-mt-8 mb-10 text-xs text-muted">{t("dataTime", { time: formatDateTime(tickets.data.dataTime, i18n.language) })}</p> : null}
        </>
      ) : null}
      {search.by !== undefined && grouped.data ? (
        <ReportSection id="breakdown" title={t("section.breakdown")} exporting={exporting === "tickets"} onExport={() => void exportCsv("tickets", `tickets-by-${search.by}`, groupedQuery)}>
          <BreakdownChart report={grouped.data} by={search.by} />
        </ReportSection>
      ) : null}
      {chats.data ? (
        <ReportSection id="chats" title={t("section.chats")} exporting={exporting === "chats"} onExport={() => void exportCsv("chats", "chats")}>
          <ChatCharts report={chats.data} context={context} />
        </ReportSection>
      ) : null}
      {satisfaction.data ? (
        <ReportSection id="satisfaction" title={t("section.satisfaction")} exporting={exporting === "satisfaction"} onExport={() => void exportCsv("satisfaction", "satisfaction")}>
          <SatisfactionCharts report={satisfaction.data} context={context} />
        </ReportSection>
      ) : null}
      {load.data ? (
        <ReportSection id="load" title={t("section.load")} exporting={exporting === "agentLoad"} onExport={() => void exportCsv("agentLoad", "agent-load")}>
          <AgentLoadCharts report={load.data} context={context} />
        </ReportSection>
      ) : null}
    </Page>
  );
}

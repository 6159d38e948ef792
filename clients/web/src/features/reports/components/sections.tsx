// The page's report sections: each turns one report answer into its charts.
import type { AgentLoadReport, ChatReport, SatisfactionReport, TicketReport } from "@helpdesk/client";
import { Download } from "lucide-react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "@/components";
import { formatNumber } from "@/lib/format";
import { averageRating, bucketLabel, count, durationParts, groupLabel, measured } from "../model";
import type { BucketName, DimensionName } from "../search";
import { ReportChart } from "./ReportChart";

/** How the charts read numbers and where their buckets fall. */
export interface ChartContext {
  bucket: BucketName;
  timeZone: string;
}

/** Formatters in the page's language. */
export function useFormats() {
  const { t, i18n } = useTranslation("reports");
  const language = i18n.language;
  const none = "—";
  return {
    count: (value: number) => formatNumber(value, language),
    duration: (value: number) => {
      if (Number.isNaN(value)) return none;
      const { unit, value: amount } = durationParts(value);
      return t(`duration.${unit}`, { value: formatNumber(amount, language) });
    },
    rating: (value: number) =>
      Number.isNaN(value) ? none : new Intl.NumberFormat(language, { minimumFractionDigits: 1, maximumFractionDigits: 2 }).format(value),
    percent: (ratio: number) => new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 1 }).format(ratio),
    label: (start: Parameters<typeof bucketLabel>[0], context: ChartContext) => bucketLabel(start, context.bucket, language, context.timeZone),
  };
}

/** A titled group of charts with its CSV download. */
export function ReportSection({ id, title, onExport, exporting, children }: { id: string; title: string; onExport: () => void; exporting: boolean; children: ReactNode }) {
  const { t } = useTranslation("reports");
  return (
    <section aria-labelledby={`${id}-title`} className="mb-10">
      <div className="mb-3 flex flex-wrap items-center justify-between gap-3">
        <h2 id={`${id}-title`} className="text-lg font-semibold tracking-tight text-fg">
          {title}
        </h2>
        <Button variant="secondary" size="sm" icon={<Download aria-hidden="true" className="size-4" />} loading={exporting} onClick={onExport} aria-label={t("exportOf", { report: title })}>
          {t("export")}
        </Button>
      </div>
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">{children}</div>
    </section>
  );
}

export function TicketCharts({ report, context }: { report: TicketReport; context: ChartContext }) {
  const { t } = useTranslation("reports");
  const format = useFormats();
  const points = report.series[0]?.points ?? [];
  const labels = points.map((point) => format.label(point.startTime, context));
  const labelHeader = t("label.time");
  return (
    <>
      <ReportChart
        name="ticket-volume"
        kind="column"
        title={t("chart.volume")}
        labelHeader={labelHeader}
        labels={labels}
        series={[
          { name: t("series.created"), values: points.map((point) => count(point.created)) },
          { name: t("series.resolved"), values: points.map((point) => count(point.resolved)) },
          { name: t("series.reopened"), values: points.map((point) => count(point.reopened)) },
        ]}
        format={format.count}
      />
      <ReportChart
        name="ticket-backlog"
        kind="line"
        title={t("chart.backlog")}
        description={t("chart.backlogHint")}
        labelHeader={labelHeader}
        labels={labels}
        series={[{ name: t("series.backlog"), values: points.map((point) => count(point.backlog)) }]}
        format={format.count}
      />
      <ReportChart
        name="ticket-times"
        kind="column"
        title={t("chart.times")}
        labelHeader={labelHeader}
        labels={labels}
        series={[
          { name: t("series.firstResponse"), values: points.map((point) => measured(point.firstResponse, "median")) },
          { name: t("series.resolution"), values: points.map((point) => measured(point.resolution, "median")) },
        ]}
        format={format.duration}
      />
      <ReportChart
        name="ticket-sla"
        kind="column"
        title={t("chart.sla")}
        description={t("chart.slaHint")}
        labelHeader={labelHeader}
        labels={labels}
        series={[
          { name: t("series.slaMet"), values: points.map((point) => count(point.slaMet)) },
          { name: t("series.slaBreached"), values: points.map((point) => count(point.slaBreached)) },
        ]}
        format={format.count}
      />
    </>
  );
}

export function ChatCharts({ report, context }: { report: ChatReport; context: ChartContext }) {
  const { t } = useTranslation("reports");
  const format = useFormats();
  const points = report.series[0]?.points ?? [];
  const labels = points.map((point) => format.label(point.startTime, context));
  return (
    <>
      <ReportChart
        name="chat-volume"
        kind="column"
        title={t("chart.chats")}
        labelHeader={t("label.time")}
        labels={labels}
        series={[
          { name: t("series.started"), values: points.map((point) => count(point.started)) },
          { name: t("series.accepted"), values: points.map((point) => count(point.accepted)) },
          { name: t("series.missed"), values: points.map((point) => count(point.missed)) },
        ]}
        format={format.count}
      />
      <ReportChart
        name="chat-wait"
        kind="column"
        title={t("chart.wait")}
        labelHeader={t("label.time")}
        labels={labels}
        series={[
          { name: t("series.waitMedian"), values: points.map((point) => measured(point.wait, "median")) },
          { name: t("series.waitP90"), values: points.map((point) => measured(point.wait, "p90")) },
        ]}
        format={format.duration}
      />
    </>
  );
}

export function SatisfactionCharts({ report, context }: { report: SatisfactionReport; context: ChartContext }) {
  const { t } = useTranslation("reports");
  const format = useFormats();
  const series = report.series[0];
  const points = series?.points ?? [];
  const total = series?.total;
  const stars = [1, 2, 3, 4, 5];
  return (
    <>
      <ReportChart
        name="satisfaction-average"
        kind="line"
        title={t("chart.csat")}
        description={t("chart.csatHint")}
        labelHeader={t("label.time")}
        labels={points.map((point) => format.label(point.startTime, context))}
        series={[
          { name: t("series.tickets"), values: points.map((point) => averageRating(point.tickets)) },
          { name: t("series.chats"), values: points.map((point) => averageRating(point.chats)) },
        ]}
        format={format.rating}
      />
      <ReportChart
        name="satisfaction-distribution"
        kind="bar"
        title={t("chart.distribution")}
        description={t("responseRate", { tickets: format.percent(total?.tickets?.responseRate ?? 0), chats: format.percent(total?.chats?.responseRate ?? 0) })}
        labelHeader={t("label.stars")}
        labels={stars.map((star) => t("stars", { count: star }))}
        series={[
          { name: t("series.tickets"), values: stars.map((star) => count(total?.tickets?.distribution[star - 1])) },
          { name: t("series.chats"), values: stars.map((star) => count(total?.chats?.distribution[star - 1])) },
        ]}
        format={format.count}
      />
    </>
  );
}

/** Agents drawn over time at most (the busiest now); the table of "load now" lists everyone. */
const MAX_AGENT_LINES = 6;

export function AgentLoadCharts({ report, context }: { report: AgentLoadReport; context: ChartContext }) {
  const { t } = useTranslation("reports");
  const format = useFormats();
  const name = (entry: AgentLoadReport["agents"][number]) => entry.agent?.agentDisplayName || entry.agent?.agentId || t("unassigned");
  const busiest = [...report.agents].sort((a, b) => count(b.current?.openTickets) - count(a.current?.openTickets)).slice(0, MAX_AGENT_LINES);
  const points = busiest[0]?.points ?? [];
  return (
    <>
      <ReportChart
        name="agent-load-now"
        kind="bar"
        title={t("chart.loadNow")}
        labelHeader={t("label.agent")}
        labels={report.agents.map(name)}
        series={[
          { name: t("series.openTickets"), values: report.agents.map((entry) => count(entry.current?.openTickets)) },
          { name: t("series.activeChats"), values: report.agents.map((entry) => count(entry.current?.activeChats)) },
        ]}
        format={format.count}
      />
      <ReportChart
        name="agent-load-over-time"
        kind="line"
        title={t("chart.loadOpen")}
        labelHeader={t("label.time")}
        labels={points.map((point) => format.label(point.startTime, context))}
        series={busiest.map((entry) => ({ name: name(entry), values: entry.points.map((point) => count(point.openTickets)) }))}
        format={format.count}
      />
    </>
  );
}

export function BreakdownChart({ report, by }: { report: TicketReport; by: DimensionName }) {
  const { t } = useTranslation("reports");
  const format = useFormats();
  const words = { unassigned: t("unassigned"), noCategory: t("noCategory"), priority: (priority: string) => t(`priority.${priority}`) };
  const groups = report.series;
  return (
    <ReportChart
      name="ticket-breakdown"
      kind="bar"
      title={t("chart.breakdown", { dimension: t(`dimension.${by}`).toLowerCase() })}
      labelHeader={t(`dimension.${by}`)}
      labels={groups.map((series) => groupLabel(series.group, by, words))}
      series={[
        { name: t("series.created"), values: groups.map((series) => count(series.total?.created)) },
        { name: t("series.resolved"), values: groups.map((series) => count(series.total?.resolved)) },
        { name: t("series.backlog"), values: groups.map((series) => count(series.total?.backlog)) },
      ]}
      format={format.count}
    />
  );
}

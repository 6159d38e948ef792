// One report chart with its table view. The chart is itself a <table> styled by Charts.css (a CSS
// framework: no script, nothing drawn on a canvas), so screen readers read the figures either way;
// the table view shows the same rows as a plain table, with every number visible.
import "charts.css";
import "./report-chart.css";
import { BarChart3, Table2 } from "lucide-react";
import { useId, useState, type CSSProperties } from "react";
import { useTranslation } from "react-i18next";
import { Card } from "@/components";
import { cx } from "@/lib/cx";

export interface ChartSeries {
  name: string;
  values: number[];
}

export interface ReportChartProps {
  /** A stable name for tests and anchors, e.g. "ticket-volume". */
  name: string;
  title: string;
  description?: string;
  /** column: bars over time; line: a level over time; bar: horizontal bars per label (agents, groups). */
  kind: "column" | "line" | "bar";
  /** Header of the label column ("Day", "Agent"). */
  labelHeader: string;
  labels: string[];
  series: ChartSeries[];
  /** How a value reads in the table and to screen readers (NaN: nothing measured). */
  format: (value: number) => string;
}

/** The colour of the series at `index` (report-chart.css defines six, light and dark). */
const seriesColor = (index: number) => ({ "--color": `var(--report-${(index % 6) + 1})` }) as CSSProperties;

/** At most this many labels under a column or line chart; the table view has them all. */
const MAX_AXIS_LABELS = 6;

/** A chart of `series` over `labels`, and a button that swaps it for the same figures as a table. */
export function ReportChart({ name, title, description, kind, labelHeader, labels, series, format }: ReportChartProps) {
  const { t } = useTranslation("reports");
  const [view, setView] = useState<"chart" | "table">("chart");
  const headingId = useId();
  // NaN marks a point with nothing measured (no rating, no response): drawn at zero, read as a dash.
  const max = Math.max(0, ...series.flatMap((entry) => entry.values).filter(Number.isFinite));
  const ratio = (value: number) => (max > 0 && Number.isFinite(value) ? Math.max(0, value) / max : 0);
  const step = kind === "bar" ? 1 : Math.max(1, Math.ceil(labels.length / MAX_AXIS_LABELS));

  return (
    <Card className="p-4 sm:p-5">
      <section aria-labelledby={headingId} data-chart={name}>
        <div className="mb-3 flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0">
            <h2 id={headingId} className="text-base font-semibold text-fg">
              {title}
            </h2>
            {description ? <p className="mt-0.5 text-sm text-muted">{description}</p> : null}
          </div>
          <div role="group" aria-label={t("view.label", { title })} className="flex shrink-0 rounded-lg border border-border p-0.5">
            {(["chart", "table"] as const).map((option) => {
              const Icon = option === "chart" ? BarChart3 : Table2;
              return (
                <button
                  key={option}
                  type="button"
                  aria-pressed={view === option}
                  onClick={() => setView(option)}
                  className={cx(
                    "inline-flex h-8 items-center gap-1.5 rounded-md px-2.5 text-[13px] font-medium",
                    view === option ? "bg-accent-soft text-accent-soft-fg" : "text-muted hover:bg-subtle hover:text-fg",
                  )}
                >
                  <Icon aria-hidden="true" className="size-4" />
                  {t(`view.${option}`)}
                </button>
              );
            })}
          </div>
        </div>

        {labels.length === 0 || series.length === 0 ? (
          <p className="py-6 text-center text-sm text-muted">{t("empty")}</p>
        ) : view === "chart" ? (
          <>
            {series.length > 1 ? (
              <ul aria-hidden="true" className="report-legend mb-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-muted">
                {series.map((entry, index) => (
                  <li key={entry.name} className="flex items-center gap-1.5">
                    <span className="report-swatch size-2.5 rounded-sm" style={seriesColor(index)} />
                    {entry.name}
                  </li>
                ))}
              </ul>
            ) : null}
            <p aria-hidden="true" className="mb-1 text-xs text-muted tabular-nums">
              {t("scale", { max: format(max) })}
            </p>
            <div className={cx("report-chart", kind === "bar" ? "report-chart-bar" : "report-chart-time")}>
              <table
                className={cx(
                  "charts-css",
                  kind,
                  series.length > 1 && "multiple",
                  "show-labels hide-data show-primary-axis",
                  kind === "bar" ? "labels-align-start data-spacing-2" : "labels-align-inline-start show-4-secondary-axes data-spacing-1",
                )}
                data-view="chart"
                style={kind === "bar" ? ({ height: `${labels.length * (series.length * 0.875 + 0.75)}rem` } as CSSProperties) : undefined}
              >
                <caption>{title}</caption>
                <thead>
                  <tr>
                    <th scope="col">{labelHeader}</th>
                    {series.map((entry) => (
                      <th key={entry.name} scope="col">
                        {entry.name}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {labels.map((label, row) => (
                    <tr key={`${row}:${label}`}>
                      <th scope="row" className={row % step === 0 ? undefined : "hide-label"}>
                        {label}
                      </th>
                      {series.map((entry, index) => {
                        const value = entry.values[row] ?? 0;
                        const previous = entry.values[Math.max(0, row - 1)] ?? value;
                        // Custom properties set through the CSSOM (React's style prop), which the CSP allows.
                        const style = { ...seriesColor(index), "--size": ratio(value), "--start": ratio(previous) } as CSSProperties;
                        return (
                          <td key={entry.name} style={style}>
                            <span className="data">{format(value)}</span>
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : (
          <div className="max-h-96 overflow-auto rounded-lg border border-border" tabIndex={0} role="region" aria-label={t("view.tableOf", { title })}>
            <table className="w-full text-left text-sm tabular-nums" data-view="table">
              <caption className="sr-only">{title}</caption>
              <thead className="sticky top-0 bg-subtle text-xs text-muted">
                <tr>
                  <th scope="col" className="px-3 py-2 font-medium">
                    {labelHeader}
                  </th>
                  {series.map((entry) => (
                    <th key={entry.name} scope="col" className="px-3 py-2 text-right font-medium">
                      {entry.name}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className="divide-y divide-border">
                {labels.map((label, row) => (
                  <tr key={`${row}:${label}`}>
                    <th scope="row" className="px-3 py-1.5 font-normal whitespace-nowrap text-fg">
                      {label}
                    </th>
                    {series.map((entry) => (
                      <td key={entry.name} className="px-3 py-1.5 text-right text-fg">
                        {format(entry.values[row] ?? 0)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </Card>
  );
}

// From the URL's settings to a ReportQuery, and from report answers to chart rows. No React, no
// network: the unit tests run it in Node.

import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import { ReportBucket, ReportDimension, type DurationSummary, type RatingFigures, type ReportGroup, type ReportQuerySchema } from "@helpdesk/client";
import { PRIORITY_BY_NAME, PRIORITY_NAME } from "@/lib/ticket-names";
import { addDays, parseDay, type BucketName, type DimensionName, type ReportRange, type ReportSearch } from "./search";

export const BUCKET: Record<BucketName, ReportBucket> = {
  hour: ReportBucket.HOUR,
  day: ReportBucket.DAY,
  week: ReportBucket.WEEK,
};

export const DIMENSION: Record<DimensionName, ReportDimension> = {
  agent: ReportDimension.AGENT,
  category: ReportDimension.CATEGORY,
  priority: ReportDimension.PRIORITY,
};

/** The viewer's IANA time zone: the buckets follow the viewer's days. */
export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export type ReportQueryInit = MessageInitShape<typeof ReportQuerySchema>;

/**
 * The ReportQuery of a range and filters: from local midnight of `from` to local midnight after
 * `to`, in `timeZone`; `groupBy` only when asked (the charts over time use one series).
 */
export function reportQuery(range: ReportRange, search: ReportSearch, timeZone: string, groupBy?: DimensionName): ReportQueryInit {
  const start = parseDay(range.from) ?? new Date();
  const end = parseDay(addDays(range.to, 1)) ?? new Date();
  return {
    startTime: timestampFromDate(start),
    endTime: timestampFromDate(end),
    timeZone,
    bucket: BUCKET[range.bucket],
    groupBy: groupBy === undefined ? ReportDimension.UNSPECIFIED : DIMENSION[groupBy],
    agentId: search.agent ?? "",
    ...(search.category !== undefined ? { category: search.category } : {}),
    ...(search.priority !== undefined ? { priority: PRIORITY_BY_NAME[search.priority] } : {}),
  };
}

/** The query as a query-cache key: the cache hashes keys as JSON, which has no bigint. */
export function queryKeyOf(query: ReportQueryInit): Record<string, unknown> {
  return { ...query, startTime: String(query.startTime?.seconds ?? ""), endTime: String(query.endTime?.seconds ?? "") };
}

/** An int64 figure as a number (report counts stay far below 2^53). */
export function count(value: bigint | undefined): number {
  return value === undefined ? 0 : Number(value);
}

/** A duration in seconds (0 when unset). */
export function seconds(value: Duration | undefined): number {
  return value === undefined ? 0 : Number(value.seconds) + value.nanos / 1e9;
}

/** A duration percentile in seconds; NaN when nothing was measured (a zero would read as "instant"). */
export function measured(summary: DurationSummary | undefined, which: "median" | "p90"): number {
  return summary === undefined || count(summary.count) === 0 ? Number.NaN : seconds(summary[which]);
}

/** The average rating; NaN without ratings (ratings are 1 to 5, a zero would read as the worst). */
export function averageRating(figures: RatingFigures | undefined): number {
  return figures === undefined || count(figures.responses) === 0 ? Number.NaN : figures.average;
}

/** The label of a bucket starting at `start`, as precise as the bucket needs. */
export function bucketLabel(start: Timestamp | undefined, bucket: BucketName, language: string, timeZone: string): string {
  if (start === undefined) return "";
  const options: Intl.DateTimeFormatOptions =
    bucket === "hour" ? { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" } : { month: "short", day: "numeric", year: bucket === "week" ? "numeric" : undefined };
  return new Intl.DateTimeFormat(language, { ...options, timeZone }).format(timestampDate(start));
}

/** Words for a series' group: the agent's name, the category or the priority. */
export function groupLabel(group: ReportGroup | undefined, by: DimensionName | undefined, words: { unassigned: string; noCategory: string; priority: (name: string) => string }): string {
  if (group === undefined || by === undefined) return "";
  switch (by) {
    case "agent":
      return group.agentId === "" ? words.unassigned : group.agentDisplayName || group.agentId;
    case "category":
      return group.category === "" ? words.noCategory : group.category;
    case "priority": {
      const name = PRIORITY_NAME[group.priority];
      return name === undefined ? words.noCategory : words.priority(name);
    }
  }
}

/** A duration in the unit that reads best for it: seconds under a minute, minutes under two hours, else hours. */
export function durationParts(totalSeconds: number): { unit: "seconds" | "minutes" | "hours"; value: number } {
  if (totalSeconds < 60) return { unit: "seconds", value: Math.round(totalSeconds) };
  if (totalSeconds < 7200) return { unit: "minutes", value: Math.round(totalSeconds / 6) / 10 };
  return { unit: "hours", value: Math.round(totalSeconds / 360) / 10 };
}

/** A file name for a CSV export: `helpdesk-tickets-2026-11-08-to-2026-12-07.csv`. */
export function csvFileName(report: string, range: ReportRange): string {
  return `helpdesk-${report}-${range.from}-to-${range.to}.csv`;
}

// The reports page's range, bucket, filters and breakdown as URL search params
// (?from=2026-11-08&to=2026-12-07&bucket=day&by=agent&priority=high), so that a report can be
// bookmarked, shared and restored with the back button. Dates are calendar days of the viewer's
// time zone; `to` is inclusive.

import { PRIORITY_NAMES, type PriorityName } from "@/lib/ticket-names";

export const BUCKET_NAMES = ["hour", "day", "week"] as const;
export type BucketName = (typeof BUCKET_NAMES)[number];
export const DIMENSION_NAMES = ["agent", "category", "priority"] as const;
export type DimensionName = (typeof DIMENSION_NAMES)[number];

export interface ReportSearch {
  from?: string;
  to?: string;
  bucket?: BucketName;
  by?: DimensionName;
  agent?: string;
  category?: string;
  priority?: PriorityName;
}

/** A report's settled range and bucket (defaults filled in). */
export interface ReportRange {
  from: string;
  to: string;
  bucket: BucketName;
}

/** Days shown when the URL names no range. */
export const DEFAULT_DAYS = 30;
const MAX_TEXT = 100;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The local calendar day `date` falls on, as YYYY-MM-DD. */
export function dayString(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Local midnight starting `day` (YYYY-MM-DD), or undefined if it is not a real date. */
export function parseDay(day: string): Date | undefined {
  const match = DAY.exec(day);
  if (match === null) return undefined;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const midnight = new Date(year, month - 1, date);
  if (midnight.getFullYear() !== year || midnight.getMonth() !== month - 1 || midnight.getDate() !== date) return undefined;
  return midnight;
}

/** `day` moved by `days` calendar days (whole local days, whatever the daylight-saving changes). */
export function addDays(day: string, days: number): string {
  const date = parseDay(day) ?? new Date();
  return dayString(new Date(date.getFullYear(), date.getMonth(), date.getDate() + days));
}

function text(value: unknown): string | undefined {
  const raw = typeof value === "string" ? value.trim() : typeof value === "number" ? String(value) : "";
  return raw === "" ? undefined : raw.slice(0, MAX_TEXT);
}

function oneOf<T extends string>(value: unknown, names: readonly T[]): T | undefined {
  const raw = typeof value === "string" ? value.trim().toLowerCase() : "";
  return (names as readonly string[]).includes(raw) ? (raw as T) : undefined;
}

/** Parses untrusted search params; anything unknown or malformed is dropped rather than failing the page. */
export function parseReportSearch(raw: Record<string, unknown>): ReportSearch {
  const search: ReportSearch = {};
  const from = text(raw.from);
  if (from !== undefined && parseDay(from)) search.from = from;
  const to = text(raw.to);
  if (to !== undefined && parseDay(to)) search.to = to;
  const bucket = oneOf(raw.bucket, BUCKET_NAMES);
  if (bucket) search.bucket = bucket;
  const by = oneOf(raw.by, DIMENSION_NAMES);
  if (by) search.by = by;
  const agent = text(raw.agent);
  if (agent !== undefined) search.agent = agent;
  const category = text(raw.category);
  if (category !== undefined) search.category = category;
  const priority = oneOf(raw.priority, PRIORITY_NAMES);
  if (priority) search.priority = priority;
  return search;
}

/** The range to show: the URL's, else the last DEFAULT_DAYS days up to `today`, by day. */
export function settleRange(search: ReportSearch, today: Date = new Date()): ReportRange {
  const to = search.to ?? (search.from !== undefined ? addDays(search.from, DEFAULT_DAYS - 1) : dayString(today));
  const from = search.from ?? addDays(to, -(DEFAULT_DAYS - 1));
  return { from, to, bucket: search.bucket ?? "day" };
}

// Dates and numbers in the user's language, through Intl.

import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";

const cache = new Map<string, Intl.DateTimeFormat | Intl.RelativeTimeFormat | Intl.NumberFormat>();

function cached<T extends Intl.DateTimeFormat | Intl.RelativeTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T {
  let formatter = cache.get(key);
  if (formatter === undefined) {
    formatter = make();
    cache.set(key, formatter);
  }
  return formatter as T;
}

export function toDate(timestamp: Timestamp | undefined): Date | undefined {
  return timestamp === undefined ? undefined : timestampDate(timestamp);
}

/** "6 Dec 2026, 14:05" in the given language. */
export function formatDateTime(value: Timestamp | Date | undefined, language: string): string {
  const date = value instanceof Date ? value : toDate(value);
  if (date === undefined) return "";
  return cached(`dt:${language}`, () => new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" })).format(date);
}

/** "6 Dec 2026" in the given language. */
export function formatDate(value: Timestamp | Date | undefined, language: string): string {
  const date = value instanceof Date ? value : toDate(value);
  if (date === undefined) return "";
  return cached(`d:${language}`, () => new Intl.DateTimeFormat(language, { dateStyle: "medium" })).format(date);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "3 hours ago" / "há 3 horas", relative to `now`. */
export function formatRelative(value: Timestamp | Date | undefined, language: string, now: number = Date.now()): string {
  const date = value instanceof Date ? value : toDate(value);
  if (date === undefined) return "";
  const seconds = Math.round((date.getTime() - now) / 1000);
  const format = cached(`rt:${language}`, () => new Intl.RelativeTimeFormat(language, { numeric: "auto" }));
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) {
      return format.format(Math.trunc(seconds / size), unit);
    }
  }
  return format.format(0, "minute");
}

export function formatNumber(value: number, language: string): string {
  return cached(`n:${language}`, () => new Intl.NumberFormat(language)).format(value);
}

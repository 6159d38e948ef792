// An SLA policy as the editor holds it (plain strings and numbers), to and from the API's SlaPolicy,
// and the server's field paths onto the editor's fields.

import type { Duration } from "@bufbuild/protobuf/wkt";
import { TicketPriority, Weekday, type SlaPolicy } from "@helpdesk/client";

export const UNITS = ["minutes", "hours", "days"] as const;
export type Unit = (typeof UNITS)[number];
const SECONDS: Record<Unit, number> = { minutes: 60, hours: 3600, days: 86400 };

/** A target as typed: an amount ("" while empty) and its unit. */
export interface Target {
  amount: string;
  unit: Unit;
}

export interface Span {
  day: Weekday;
  start: string;
  end: string;
}

export interface PolicyDraft {
  displayName: string;
  priority: TicketPriority;
  category: string;
  firstResponse: Target;
  resolution: Target;
  warning: Target;
  businessHours: boolean;
  timeZone: string;
  spans: Span[];
  holidays: string[];
}

export const WEEKDAYS = [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY, Weekday.SATURDAY, Weekday.SUNDAY] as const;

/** The browser's own time zone, the sensible default of a new schedule. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** A new policy: medium priority, around the clock, with Monday to Friday 09:00–18:00 ready if business hours are chosen. */
export function emptyDraft(timeZone = localTimeZone()): PolicyDraft {
  return {
    displayName: "",
    priority: TicketPriority.MEDIUM,
    category: "",
    firstResponse: { amount: "4", unit: "hours" },
    resolution: { amount: "2", unit: "days" },
    warning: { amount: "", unit: "minutes" },
    businessHours: false,
    timeZone,
    spans: WEEKDAYS.slice(0, 5).map((day) => ({ day, start: "09:00", end: "18:00" })),
    holidays: [],
  };
}

/** A duration in the largest unit that divides it ("" for none). */
export function toTarget(duration: Duration | undefined, fallback: Unit = "hours"): Target {
  const seconds = duration === undefined ? 0 : Number(duration.seconds);
  if (seconds <= 0) return { amount: "", unit: fallback };
  const unit = [...UNITS].reverse().find((candidate) => seconds % SECONDS[candidate] === 0) ?? "minutes";
  return { amount: String(seconds / SECONDS[unit]), unit };
}

/** Seconds of a typed target, whole; undefined when empty. Decimals are kept ("1.5" hours = 5,400 s). */
export function targetSeconds(target: Target): number | undefined {
  const text = target.amount.trim().replace(",", ".");
  if (text === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? Math.round(value * SECONDS[target.unit]) : Number.NaN;
}

export function fromPolicy(policy: SlaPolicy): PolicyDraft {
  const hours = policy.businessHours;
  const blank = emptyDraft();
  return {
    displayName: policy.displayName,
    priority: policy.priority,
    category: policy.category,
    firstResponse: toTarget(policy.firstResponseTarget),
    resolution: toTarget(policy.resolutionTarget),
    warning: toTarget(policy.warningWindow, "minutes"),
    businessHours: hours !== undefined,
    timeZone: hours?.timeZone ?? blank.timeZone,
    spans: hours ? hours.workingHours.map((span) => ({ day: span.day, start: span.startTime, end: span.endTime })) : blank.spans,
    holidays: hours ? [...hours.holidays] : [],
  };
}

function duration(seconds: number | undefined): { seconds: bigint } | undefined {
  // A non-number is sent as it is typed would be refused anyway: sent as 0 s, the server names the field.
  return seconds === undefined ? undefined : { seconds: BigInt(Number.isFinite(seconds) ? seconds : 0) };
}

/** The policy's fields as the API takes them (id and etag added by the caller). */
export function toPolicyFields(draft: PolicyDraft) {
  return {
    displayName: draft.displayName.trim(),
    priority: draft.priority,
    category: draft.category.trim(),
    firstResponseTarget: duration(targetSeconds(draft.firstResponse)),
    resolutionTarget: duration(targetSeconds(draft.resolution)),
    warningWindow: duration(targetSeconds(draft.warning)),
    businessHours: draft.businessHours
      ? {
          timeZone: draft.timeZone.trim(),
          workingHours: draft.spans.map((span) => ({ day: span.day, startTime: span.start, endTime: span.end })),
          holidays: draft.holidays,
        }
      : undefined,
  };
}

/** Every field of the editor an error can sit at: fixed ones, and those of the n-th span or holiday. */
export type FieldKey = string;

/** The editor field of a server violation path (`sla_policy.business_hours.working_hours[1].end_time` → `span.1.end`). */
export function fieldOfPath(path: string): FieldKey {
  const local = path.replace(/^sla_policy\./, "");
  const span = /^business_hours\.working_hours\[(\d+)\](?:\.(day|start_time|end_time))?$/.exec(local);
  if (span) return `span.${span[1]}.${span[2] === "start_time" ? "start" : span[2] === "day" ? "day" : "end"}`;
  const holiday = /^business_hours\.holidays\[(\d+)\]$/.exec(local);
  if (holiday) return `holiday.${holiday[1]}`;
  const fixed: Record<string, FieldKey> = {
    display_name: "displayName",
    priority: "priority",
    category: "category",
    first_response_target: "firstResponse",
    resolution_target: "resolution",
    warning_window: "warning",
    "business_hours.time_zone": "timeZone",
    "business_hours.working_hours": "spans",
    "business_hours.holidays": "holidays",
    business_hours: "spans",
  };
  return fixed[local] ?? "form";
}

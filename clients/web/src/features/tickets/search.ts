// The ticket list's filters as URL search params (?status=open,waiting&priority=high&q=refund), so
// a filtered view can be bookmarked, shared and restored with the back button.

import { TicketPriority, TicketStatus } from "@helpdesk/client";

export const STATUS_NAMES = ["open", "in_progress", "waiting", "resolved", "closed"] as const;
export const PRIORITY_NAMES = ["low", "medium", "high", "urgent"] as const;
export type StatusName = (typeof STATUS_NAMES)[number];
export type PriorityName = (typeof PRIORITY_NAMES)[number];

export const STATUS_BY_NAME: Record<StatusName, TicketStatus> = {
  open: TicketStatus.OPEN,
  in_progress: TicketStatus.IN_PROGRESS,
  waiting: TicketStatus.WAITING_ON_CUSTOMER,
  resolved: TicketStatus.RESOLVED,
  closed: TicketStatus.CLOSED,
};

export const PRIORITY_BY_NAME: Record<PriorityName, TicketPriority> = {
  low: TicketPriority.LOW,
  medium: TicketPriority.MEDIUM,
  high: TicketPriority.HIGH,
  urgent: TicketPriority.URGENT,
};

export interface TicketListSearch {
  q?: string;
  status?: StatusName[];
  priority?: PriorityName[];
}

const MAX_QUERY = 200;

/** Known names only, deduplicated, in canonical order; from "a,b" strings or arrays. */
function names<T extends string>(raw: unknown, allowed: readonly T[]): T[] | undefined {
  const values = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",") : [];
  const wanted = new Set(values.filter((value): value is string => typeof value === "string").map((value) => value.trim().toLowerCase()));
  const picked = allowed.filter((name) => wanted.has(name));
  return picked.length > 0 ? picked : undefined;
}

/** Parses untrusted search params; anything unknown is dropped rather than failing the page. */
export function parseTicketListSearch(raw: Record<string, unknown>): TicketListSearch {
  const search: TicketListSearch = {};
  const q = typeof raw.q === "string" ? raw.q.trim().slice(0, MAX_QUERY) : typeof raw.q === "number" ? String(raw.q) : "";
  if (q !== "") search.q = q;
  const status = names(raw.status, STATUS_NAMES);
  if (status) search.status = status;
  const priority = names(raw.priority, PRIORITY_NAMES);
  if (priority) search.priority = priority;
  return search;
}

/** The ListTickets filters for a parsed search. */
export function listFilters(search: TicketListSearch): { query: string; statuses: TicketStatus[]; priorities: TicketPriority[] } {
  return {
    query: search.q ?? "",
    statuses: (search.status ?? []).map((name) => STATUS_BY_NAME[name]),
    priorities: (search.priority ?? []).map((name) => PRIORITY_BY_NAME[name]),
  };
}

// The ticket list's filters as URL search params (?status=open,waiting&priority=high&q=refund), so
// a filtered view can be bookmarked, shared and restored with the back button.

import type { TicketPriority, TicketStatus } from "@helpdesk/client";
import { PRIORITY_BY_NAME, PRIORITY_NAMES, STATUS_BY_NAME, STATUS_NAMES, pickNames, type PriorityName, type StatusName } from "@/lib/ticket-names";

export { PRIORITY_BY_NAME, PRIORITY_NAMES, STATUS_BY_NAME, STATUS_NAMES, type PriorityName, type StatusName };

export interface TicketListSearch {
  q?: string;
  status?: StatusName[];
  priority?: PriorityName[];
}

const MAX_QUERY = 200;

/** Parses untrusted search params; anything unknown is dropped rather than failing the page. */
export function parseTicketListSearch(raw: Record<string, unknown>): TicketListSearch {
  const search: TicketListSearch = {};
  const q = typeof raw.q === "string" ? raw.q.trim().slice(0, MAX_QUERY) : typeof raw.q === "number" ? String(raw.q) : "";
  if (q !== "") search.q = q;
  const status = pickNames(raw.status, STATUS_NAMES);
  if (status) search.status = status;
  const priority = pickNames(raw.priority, PRIORITY_NAMES);
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

// What the workspace's URL search params (search-params.ts) mean: ListTickets / WatchTickets
// requests, and a test on one ticket and the list's order (for changes arriving live).

import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Ticket, TicketPriority, TicketStatus } from "@helpdesk/client";
import { PRIORITY_BY_NAME, STATUS_BY_NAME, type StatusName } from "@/lib/ticket-names";
import { defaultSort, type SortName, type ViewName, type WorkspaceSearch } from "./search-params";

export { defaultSort, parseWorkspaceSearch, SORTS, VIEWS, type SortName, type ViewName, type WorkspaceSearch } from "./search-params";

// Here rather than beside the parser: the router's entry chunk needs only the parser.
/** Whether any filter narrows the view (so "clear filters" has something to clear). */
export function hasFreeFilters(search: WorkspaceSearch): boolean {
  return Boolean(search.status || search.priority || search.assignee || search.tag || search.category || search.from || search.to || search.q);
}

const UNRESOLVED: StatusName[] = ["open", "in_progress", "waiting"];

/** Each view: which statuses, whose tickets, and whether only those that breached an SLA target. */
export const VIEW_FILTERS: Record<ViewName, { status: StatusName[]; assignee?: string; slaBreached?: boolean }> = {
  mine: { status: UNRESOLVED, assignee: "me" },
  unassigned: { status: UNRESOLVED, assignee: "none" },
  open: { status: UNRESOLVED },
  // A breach stays on a ticket's record: the view keeps those still to be worked on.
  breached: { status: UNRESOLVED, slaBreached: true },
  waiting: { status: ["waiting"] },
  resolved: { status: ["resolved"] },
};

const ORDER_BY: Record<SortName, string> = {
  priority: "priority desc, create_time",
  due: "due_time",
  updated: "update_time desc",
  created: "create_time desc",
};

/** The filters of a view with the free filters on top (a free status or assignee replaces the view's). */
export interface TicketQuery {
  statuses: TicketStatus[];
  priorities: TicketPriority[];
  assigneeId: string;
  tag: string;
  category: string;
  createTimeStart?: Timestamp;
  createTimeEnd?: Timestamp;
  query: string;
  /** Only tickets that breached an SLA target (first response or resolution). */
  slaBreached: boolean;
  orderBy: string;
}

function localDay(day: string, plusDays = 0): Date {
  const [year, month, date] = day.split("-").map(Number) as [number, number, number];
  return new Date(year, month - 1, date + plusDays);
}

export function ticketQuery(search: WorkspaceSearch): TicketQuery {
  const view = VIEW_FILTERS[search.view ?? "mine"];
  return {
    statuses: (search.status ?? view.status).map((name) => STATUS_BY_NAME[name]),
    priorities: (search.priority ?? []).map((name) => PRIORITY_BY_NAME[name]),
    assigneeId: search.assignee ?? view.assignee ?? "",
    tag: search.tag ?? "",
    category: search.category ?? "",
    createTimeStart: search.from ? timestampFromDate(localDay(search.from)) : undefined,
    // Inclusive day: before the start of the next one.
    createTimeEnd: search.to ? timestampFromDate(localDay(search.to, 1)) : undefined,
    query: search.q ?? "",
    slaBreached: view.slaBreached ?? false,
    orderBy: ORDER_BY[search.sort ?? defaultSort(search.view)],
  };
}

/** The count shown beside a view: its own filters only. */
export function viewQuery(view: ViewName): TicketQuery {
  return ticketQuery({ view });
}

function millis(time: Timestamp | undefined): number {
  return time ? timestampDate(time).getTime() : 0;
}

/**
 * Whether `ticket` belongs in the list of `query` as `viewerId` sees it: true, false, or "unknown"
 * when only the server can tell (a text query).
 */
export function matchesQuery(ticket: Ticket, query: TicketQuery, viewerId: string): boolean | "unknown" {
  if (query.statuses.length > 0 && !query.statuses.includes(ticket.status)) return false;
  if (query.priorities.length > 0 && !query.priorities.includes(ticket.priority)) return false;
  if (query.assigneeId === "none" && ticket.assigneeId !== "") return false;
  if (query.assigneeId === "me" && ticket.assigneeId !== viewerId) return false;
  if (query.assigneeId !== "" && query.assigneeId !== "me" && query.assigneeId !== "none" && ticket.assigneeId !== query.assigneeId) return false;
  if (query.tag !== "" && !ticket.tags.includes(query.tag)) return false;
  if (query.category !== "" && ticket.category !== query.category) return false;
  if (query.slaBreached && !ticket.firstResponseBreached && !ticket.resolutionBreached) return false;
  const created = millis(ticket.createTime);
  if (query.createTimeStart && created < millis(query.createTimeStart)) return false;
  if (query.createTimeEnd && created >= millis(query.createTimeEnd)) return false;
  return query.query === "" ? true : "unknown";
}

/**
 * The "due soonest" key, as the server keeps it: the earliest due time still pending (a first
 * response not yet given, the resolution) while the SLA clock runs; none (last) otherwise.
 */
function dueKey(ticket: Ticket): number {
  if (ticket.slaPaused) return Infinity;
  const pending = [ticket.firstResponseTime === undefined ? ticket.firstResponseDueTime : undefined, ticket.resolutionDueTime];
  return Math.min(...pending.map((time) => (time ? millis(time) : Infinity)));
}

function ascending(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** The list's order (as the server sorts for `orderBy`), ties broken by id like the server. */
export function compareTickets(a: Ticket, b: Ticket, orderBy: string): number {
  for (const item of orderBy.split(",")) {
    const [key, direction] = item.trim().split(/\s+/);
    const sign = direction === "desc" ? -1 : 1;
    let diff = 0;
    if (key === "priority") diff = a.priority - b.priority;
    else if (key === "create_time") diff = millis(a.createTime) - millis(b.createTime);
    else if (key === "update_time") diff = millis(a.updateTime) - millis(b.updateTime);
    else if (key === "number") diff = a.number - b.number;
    else if (key === "due_time") diff = ascending(dueKey(a), dueKey(b));
    if (diff !== 0) return sign * diff;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

// What the workspace's URL search params (search-params.ts) mean: ListTickets / WatchTickets
// requests, and a test on one ticket and the list's order (for changes arriving live).

import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Ticket, TicketPriority, TicketStatus } from "@helpdesk/client";
import { PRIORITY_BY_NAME, STATUS_BY_NAME, type StatusName } from "@/lib/ticket-names";
import type { SortName, ViewName, WorkspaceSearch } from "./search-params";

export { hasFreeFilters, parseWorkspaceSearch, SORTS, VIEWS, type SortName, type ViewName, type WorkspaceSearch } from "./search-params";

/** Each view: which statuses and whose tickets. */
export const VIEW_FILTERS: Record<ViewName, { status: StatusName[]; assignee?: string }> = {
  mine: { status: ["open", "in_progress", "waiting"], assignee: "me" },
  unassigned: { status: ["open", "in_progress", "waiting"], assignee: "none" },
  open: { status: ["open", "in_progress", "waiting"] },
  waiting: { status: ["waiting"] },
  resolved: { status: ["resolved"] },
};

const ORDER_BY: Record<SortName, string> = {
  priority: "priority desc, create_time",
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
    orderBy: ORDER_BY[search.sort ?? "priority"],
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
  const created = millis(ticket.createTime);
  if (query.createTimeStart && created < millis(query.createTimeStart)) return false;
  if (query.createTimeEnd && created >= millis(query.createTimeEnd)) return false;
  return query.query === "" ? true : "unknown";
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
    if (diff !== 0) return sign * diff;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

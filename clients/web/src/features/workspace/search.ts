// The workspace's view, filters and sort as URL search params (?view=mine&priority=high&sort=updated),
// so every view can be bookmarked and shared; and what they mean as ListTickets / WatchTickets
// requests and as a test on one ticket (for changes arriving live).

import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Ticket, TicketPriority, TicketStatus } from "@helpdesk/client";
import { PRIORITY_BY_NAME, PRIORITY_NAMES, STATUS_BY_NAME, STATUS_NAMES, pickNames, type PriorityName, type StatusName } from "@/lib/ticket-names";

export const VIEWS = ["mine", "unassigned", "open", "waiting", "resolved"] as const;
export type ViewName = (typeof VIEWS)[number];
export const SORTS = ["priority", "updated", "created"] as const;
export type SortName = (typeof SORTS)[number];

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

export interface WorkspaceSearch {
  /** Unset: "mine" (kept out of the URL). */
  view?: ViewName;
  status?: StatusName[];
  priority?: PriorityName[];
  /** `me`, `none` or a user id. */
  assignee?: string;
  tag?: string;
  category?: string;
  /** Created on or after this day (YYYY-MM-DD, the viewer's time zone). */
  from?: string;
  /** Created on or before this day. */
  to?: string;
  q?: string;
  sort?: SortName;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^(me|none|[0-9a-f-]{36})$/;
const WORD = /^[\p{L}\p{N}_-]{1,32}$/u;

function text(raw: unknown, max: number): string | undefined {
  const value = typeof raw === "string" ? raw.trim().slice(0, max) : typeof raw === "number" ? String(raw) : "";
  return value === "" ? undefined : value;
}

function matching(raw: unknown, pattern: RegExp, max = 64): string | undefined {
  const value = text(raw, max);
  return value !== undefined && pattern.test(value) ? value : undefined;
}

/** Parses untrusted search params; anything unknown is dropped rather than failing the page. */
export function parseWorkspaceSearch(raw: Record<string, unknown>): WorkspaceSearch {
  const view = VIEWS.find((name) => name === raw.view);
  const search: WorkspaceSearch = view && view !== "mine" ? { view } : {};
  const status = pickNames(raw.status, STATUS_NAMES);
  if (status) search.status = status;
  const priority = pickNames(raw.priority, PRIORITY_NAMES);
  if (priority) search.priority = priority;
  const assignee = matching(raw.assignee, ID);
  if (assignee) search.assignee = assignee;
  const tag = matching(raw.tag, WORD);
  if (tag) search.tag = tag.toLowerCase();
  const category = matching(raw.category, WORD);
  if (category) search.category = category;
  const from = matching(raw.from, DAY);
  if (from) search.from = from;
  const to = matching(raw.to, DAY);
  if (to) search.to = to;
  const q = text(raw.q, 200);
  if (q) search.q = q;
  const sort = SORTS.find((name) => name === raw.sort);
  if (sort && sort !== "priority") search.sort = sort;
  return search;
}

/** Whether any filter narrows the view (so "clear filters" has something to clear). */
export function hasFreeFilters(search: WorkspaceSearch): boolean {
  return Boolean(search.status || search.priority || search.assignee || search.tag || search.category || search.from || search.to || search.q);
}

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

// The workspace's view, filters and sort as URL search params (?view=waiting&priority=high&sort=updated):
// parsed by the router on every navigation, so kept apart from what they mean (search.ts).

import { PRIORITY_NAMES, STATUS_NAMES, pickNames, type PriorityName, type StatusName } from "@/lib/ticket-names";

export const VIEWS = ["mine", "unassigned", "open", "breached", "waiting", "resolved"] as const;
export type ViewName = (typeof VIEWS)[number];
export const SORTS = ["priority", "due", "updated", "created"] as const;
export type SortName = (typeof SORTS)[number];

/** A view's own sort, kept out of the URL: breached tickets by the next due time, the others by priority. */
export function defaultSort(view: ViewName | undefined): SortName {
  return view === "breached" ? "due" : "priority";
}

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
  if (sort && sort !== defaultSort(search.view)) search.sort = sort;
  return search;
}


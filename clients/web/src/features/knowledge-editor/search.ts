// The editor's article list filters as URL search params (?state=draft&category=billing&q=refund).

import { ArticleState } from "@helpdesk/client";

export const STATE_NAMES = ["draft", "published", "archived"] as const;
export type StateName = (typeof STATE_NAMES)[number];

export const STATE_BY_NAME: Record<StateName, ArticleState> = {
  draft: ArticleState.DRAFT,
  published: ArticleState.PUBLISHED,
  archived: ArticleState.ARCHIVED,
};

export interface ArticleListSearch {
  q?: string;
  state?: StateName;
  category?: string;
}

/** Parses untrusted search params; anything unknown is dropped rather than failing the page. */
export function parseArticleListSearch(raw: Record<string, unknown>): ArticleListSearch {
  const search: ArticleListSearch = {};
  const text = (value: unknown, max: number) => (typeof value === "string" ? value.trim().slice(0, max) : typeof value === "number" ? String(value) : "");
  const q = text(raw.q, 200);
  if (q !== "") search.q = q;
  const state = text(raw.state, 20).toLowerCase();
  if ((STATE_NAMES as readonly string[]).includes(state)) search.state = state as StateName;
  const category = text(raw.category, 64);
  if (category !== "") search.category = category;
  return search;
}

/** The states a filter asks for: one, or all three (the editor sees drafts and archived articles too). */
export function statesFor(search: ArticleListSearch): ArticleState[] {
  return search.state ? [STATE_BY_NAME[search.state]] : STATE_NAMES.map((name) => STATE_BY_NAME[name]);
}

// An article being edited: the form's values, the version (etag) they were based on, and what
// changed compared with the stored article. Pure, so it can be unit-tested.

import type { Article } from "@helpdesk/client";

export interface ArticleDraft {
  title: string;
  body: string;
  category: string;
  /** Tags as typed: "billing, refunds". */
  tags: string;
  /** The etag of the version this draft started from ("" for a new article). */
  baseEtag: string;
}

export const EMPTY_DRAFT: ArticleDraft = { title: "", body: "", category: "", tags: "", baseEtag: "" };

/** Tags from typed text: split on commas and whitespace, "#" dropped, lower-cased, each once, in order. */
export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  for (const raw of text.split(/[\s,]+/)) {
    const tag = raw.replace(/^#+/, "").toLowerCase();
    if (tag !== "") seen.add(tag);
  }
  return [...seen];
}

/** The draft of a stored article, as the form shows it. */
export function draftOf(article: Pick<Article, "title" | "body" | "category" | "tags" | "etag">): ArticleDraft {
  return { title: article.title, body: article.body, category: article.category, tags: article.tags.join(", "), baseEtag: article.etag };
}

/** The update mask paths of what the draft changes in `article` (empty when nothing does). */
export function changedFields(draft: ArticleDraft, article: Pick<Article, "title" | "body" | "category" | "tags">): string[] {
  const paths: string[] = [];
  if (draft.title.trim() !== article.title) paths.push("title");
  if (draft.body !== article.body) paths.push("body");
  if (draft.category.trim() !== article.category) paths.push("category");
  const tags = parseTags(draft.tags);
  if (tags.length !== article.tags.length || tags.some((tag, index) => tag !== article.tags[index])) paths.push("tags");
  return paths;
}

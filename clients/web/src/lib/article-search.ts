// The search behind ArticleLinkPicker: published articles only, best match first.

import { ArticleState, ArticleView } from "@helpdesk/client";
import type { ArticleLinkOption } from "./article-links";
import { client } from "./client";

/** Published articles matching `query`, best first (empty for a blank query). */
export async function searchPublishedArticles(query: string, signal?: AbortSignal): Promise<ArticleLinkOption[]> {
  const text = query.trim();
  if (text === "") return [];
  const answer = await client.knowledge.searchArticles(
    { query: text, pageSize: 8, states: [ArticleState.PUBLISHED], view: ArticleView.BASIC },
    { signal },
  );
  return answer.results.flatMap((result) =>
    result.article ? [{ id: result.article.id, title: result.article.title, slug: result.article.slug || result.article.id, snippet: result.snippet }] : [],
  );
}

// The help center's server state: search, categories, article lists, one article, votes.

import { ArticleState, ArticleView, type ArticleVote } from "@helpdesk/client";
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client } from "@/lib/client";

const PUBLISHED = [ArticleState.PUBLISHED];

export const helpKeys = {
  search: (query: string, category: string) => ["help", "search", query, category] as const,
  list: (category: string) => ["help", "list", category] as const,
  categories: ["help", "categories"] as const,
  article: (slug: string) => ["help", "article", slug] as const,
};

export function useArticleSearch(query: string, category: string) {
  return useInfiniteQuery({
    queryKey: helpKeys.search(query, category),
    enabled: query !== "",
    initialPageParam: "",
    queryFn: ({ pageParam, signal }) =>
      client.knowledge.searchArticles({ query, category, pageSize: 10, pageToken: pageParam, states: PUBLISHED, view: ArticleView.BASIC }, { signal }),
    getNextPageParam: (page) => page.nextPageToken || undefined,
    placeholderData: keepPreviousData,
  });
}

export function useArticleList(category: string) {
  return useInfiniteQuery({
    queryKey: helpKeys.list(category),
    initialPageParam: "",
    queryFn: ({ pageParam, signal }) =>
      client.knowledge.listArticles(
        { category, pageSize: 12, pageToken: pageParam, states: PUBLISHED, view: ArticleView.BASIC, orderBy: "view_count desc" },
        { signal },
      ),
    getNextPageParam: (page) => page.nextPageToken || undefined,
  });
}

export function useCategories() {
  return useQuery({
    queryKey: helpKeys.categories,
    staleTime: 5 * 60_000,
    queryFn: ({ signal }) => client.knowledge.listCategories({ pageSize: 100 }, { signal }),
  });
}

export function useArticle(slug: string) {
  return useQuery({
    queryKey: helpKeys.article(slug),
    staleTime: 60_000,
    queryFn: ({ signal }) => client.knowledge.getArticle({ id: slug, view: ArticleView.FULL }, { signal }),
  });
}

export function useVote(slug: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, vote }: { id: string; vote: ArticleVote }) => client.knowledge.voteArticle({ id, vote }),
    onSuccess: (counts) => {
      // The answer carries the new counts (basic view, no body): keep the body we have.
      queryClient.setQueryData(helpKeys.article(slug), (previous: typeof counts | undefined) =>
        previous ? { ...previous, helpfulCount: counts.helpfulCount, notHelpfulCount: counts.notHelpfulCount } : previous,
      );
    },
  });
}

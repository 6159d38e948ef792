// The knowledge-base editor's server state: articles in every state, one article with its body,
// and the writes (create, update, publish, unpublish, delete), each guarded by the article's etag.

import { ArticleView, type Article } from "@helpdesk/client";
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client } from "@/lib/client";
import { parseTags, type ArticleDraft } from "./model/draft";
import { statesFor, type ArticleListSearch } from "./search";

export const editorKeys = {
  all: ["kb-editor"] as const,
  list: (search: ArticleListSearch) => ["kb-editor", "list", search.q ?? "", search.state ?? "", search.category ?? ""] as const,
  article: (id: string) => ["kb-editor", "article", id] as const,
  categories: ["kb-editor", "categories"] as const,
};

/** Articles matching the filters: a search (best first) when there is a query, else the newest changes first. */
export function useEditorArticles(search: ArticleListSearch) {
  return useInfiniteQuery({
    queryKey: editorKeys.list(search),
    initialPageParam: "",
    queryFn: async ({ pageParam, signal }) => {
      const filter = { category: search.category ?? "", states: statesFor(search), pageSize: 20, pageToken: pageParam, view: ArticleView.BASIC };
      if (search.q) {
        const found = await client.knowledge.searchArticles({ ...filter, query: search.q }, { signal });
        return { articles: found.results.flatMap((result) => (result.article ? [result.article] : [])), nextPageToken: found.nextPageToken };
      }
      const listed = await client.knowledge.listArticles({ ...filter, orderBy: "update_time desc" }, { signal });
      return { articles: listed.articles, nextPageToken: listed.nextPageToken };
    },
    getNextPageParam: (page) => page.nextPageToken || undefined,
    placeholderData: keepPreviousData,
  });
}

export function useEditorArticle(id: string) {
  return useQuery({
    queryKey: editorKeys.article(id),
    queryFn: ({ signal }) => client.knowledge.getArticle({ id, view: ArticleView.FULL }, { signal }),
    // The form owns the text once loaded: a background refetch must not look like someone else's change.
    refetchOnWindowFocus: false,
  });
}

/** Category names in use (published ones from the server), for the category field's suggestions. */
export function useKnownCategories() {
  return useQuery({
    queryKey: editorKeys.categories,
    staleTime: 5 * 60_000,
    queryFn: async ({ signal }) => (await client.knowledge.listCategories({ pageSize: 200 }, { signal })).categories.map((c) => c.name),
  });
}

/** Reads the article as it is now (after a conflict), into the cache too. */
export function useFreshArticle() {
  const queryClient = useQueryClient();
  return (id: string) =>
    queryClient.fetchQuery({ queryKey: editorKeys.article(id), staleTime: 0, queryFn: () => client.knowledge.getArticle({ id, view: ArticleView.FULL }) });
}

function fields(draft: ArticleDraft) {
  return { title: draft.title.trim(), body: draft.body, category: draft.category.trim(), tags: parseTags(draft.tags) };
}

export type ArticleWrite =
  | { kind: "create"; draft: ArticleDraft; requestId: string }
  | { kind: "update"; id: string; draft: ArticleDraft; paths: string[] }
  | { kind: "publish"; id: string; etag: string }
  | { kind: "unpublish"; id: string; etag: string };

async function write(change: ArticleWrite): Promise<Article> {
  switch (change.kind) {
    case "create":
      return client.knowledge.createArticle({ article: fields(change.draft), requestId: change.requestId });
    case "update":
      return client.knowledge.updateArticle({
        article: { id: change.id, etag: change.draft.baseEtag, ...fields(change.draft) },
        updateMask: { paths: change.paths },
      });
    case "publish":
      return client.knowledge.publishArticle({ id: change.id, etag: change.etag });
    case "unpublish":
      return client.knowledge.unpublishArticle({ id: change.id, etag: change.etag });
  }
}

/** One write; the answer (the article as stored now) goes straight into the cache. */
export function useArticleWrite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: write,
    onSuccess: (article) => {
      queryClient.setQueryData(editorKeys.article(article.id), (previous: Article | undefined) =>
        // Publish/unpublish answer the full article; keep the body we have if one ever does not.
        previous && article.body === "" && previous.body !== "" ? { ...article, body: previous.body } : article,
      );
      void queryClient.invalidateQueries({ queryKey: ["kb-editor", "list"] });
      void queryClient.invalidateQueries({ queryKey: ["help"] });
    },
  });
}

export function useDeleteArticle() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, etag }: { id: string; etag: string }) => client.knowledge.deleteArticle({ id, etag }),
    onSuccess: (_, { id }) => {
      queryClient.removeQueries({ queryKey: editorKeys.article(id) });
      void queryClient.invalidateQueries({ queryKey: ["kb-editor", "list"] });
    },
  });
}

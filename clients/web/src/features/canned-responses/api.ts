// Canned responses' server state for their management page: the list (search), and create, edit and
// delete, each edit and delete guarded by the response's etag.

import { CannedResponseScope, type CannedResponse } from "@helpdesk/client";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client } from "@/lib/client";

export const responseKeys = {
  all: ["manage-canned-responses"] as const,
  list: (query: string) => ["manage-canned-responses", "list", query] as const,
};

/** Every response the caller sees (the team's and their own), matching `query`. */
export function useManagedResponses(query: string) {
  return useQuery({
    queryKey: responseKeys.list(query),
    queryFn: async ({ signal }) => {
      const responses: CannedResponse[] = [];
      let pageToken = "";
      do {
        const page = await client.cannedResponses.listCannedResponses({ pageSize: 200, pageToken, query }, { signal });
        responses.push(...page.cannedResponses);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return responses;
    },
    placeholderData: keepPreviousData,
  });
}

export interface ResponseDraft {
  title: string;
  body: string;
  scope: CannedResponseScope;
}

export function useSaveResponse() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ draft, existing, requestId }: { draft: ResponseDraft; existing?: CannedResponse; requestId: string }) =>
      existing === undefined
        ? client.cannedResponses.createCannedResponse({ cannedResponse: { title: draft.title.trim(), body: draft.body, scope: draft.scope }, requestId })
        : client.cannedResponses.updateCannedResponse({
            cannedResponse: { id: existing.id, etag: existing.etag, title: draft.title.trim(), body: draft.body },
            updateMask: { paths: ["title", "body"] },
          }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: responseKeys.all }),
  });
}

export function useDeleteResponse() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (response: CannedResponse) => client.cannedResponses.deleteCannedResponse({ id: response.id, etag: response.etag }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: responseKeys.all }),
  });
}

export { CannedResponseScope };

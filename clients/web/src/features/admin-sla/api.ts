// SLA policies' server state: the list, one policy, and the writes (create, update, delete), each
// update and delete guarded by the policy's etag.

import type { SlaPolicy } from "@helpdesk/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client } from "@/lib/client";
import { toPolicyFields, type PolicyDraft } from "./model";

export const slaKeys = {
  all: ["admin-sla"] as const,
  list: ["admin-sla", "list"] as const,
  policy: (id: string) => ["admin-sla", "policy", id] as const,
};

/** Every policy (a desk has a handful: four priorities, a few categories), most urgent first. */
export function useSlaPolicies() {
  return useQuery({
    queryKey: slaKeys.list,
    queryFn: async ({ signal }) => {
      const policies: SlaPolicy[] = [];
      let pageToken = "";
      do {
        const page = await client.sla.listSlaPolicies({ pageSize: 200, pageToken }, { signal });
        policies.push(...page.slaPolicies);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return policies;
    },
  });
}

export function useSlaPolicy(id: string, enabled = true) {
  return useQuery({
    queryKey: slaKeys.policy(id),
    enabled,
    queryFn: ({ signal }) => client.sla.getSlaPolicy({ id }, { signal }),
    // The form owns the values once loaded: a background refetch must not look like someone else's change.
    refetchOnWindowFocus: false,
  });
}

const UPDATABLE = ["display_name", "priority", "category", "first_response_target", "resolution_target", "warning_window", "business_hours"];

/** Creates (no `id`) or updates a policy; an update carries the etag the editor loaded. */
export function useSaveSlaPolicy() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ draft, id, etag, requestId }: { draft: PolicyDraft; id?: string; etag?: string; requestId: string }) =>
      id === undefined
        ? client.sla.createSlaPolicy({ slaPolicy: toPolicyFields(draft), requestId })
        : client.sla.updateSlaPolicy({ slaPolicy: { ...toPolicyFields(draft), id, etag }, updateMask: { paths: UPDATABLE } }),
    onSuccess: (policy) => {
      queryClient.setQueryData(slaKeys.policy(policy.id), policy);
      return queryClient.invalidateQueries({ queryKey: slaKeys.list });
    },
  });
}

export function useDeleteSlaPolicy() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (policy: SlaPolicy) => client.sla.deleteSlaPolicy({ id: policy.id, etag: policy.etag }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: slaKeys.all }),
  });
}

// The retention policy's server state: the periods (etag-guarded) and what the job last did.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client } from "@/lib/client";

/** The policy as the API answers it (the client package does not re-export its message type). */
export type RetentionPolicy = Awaited<ReturnType<typeof client.privacy.getRetentionPolicy>>;

const policyKey = ["admin-retention", "policy"] as const;

export function useRetentionPolicy() {
  return useQuery({
    queryKey: policyKey,
    queryFn: ({ signal }) => client.privacy.getRetentionPolicy({}, { signal }),
    // The form owns the values once loaded: a background refetch must not look like someone else's change.
    refetchOnWindowFocus: false,
  });
}

export function useUpdateRetentionPolicy() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ closedTicketDays, endedChatDays, etag }: { closedTicketDays: number; endedChatDays: number; etag: string }) =>
      client.privacy.updateRetentionPolicy({
        retentionPolicy: { closedTicketDays, endedChatDays, etag },
        updateMask: { paths: ["closed_ticket_days", "ended_chat_days"] },
      }),
    onSuccess: (policy) => queryClient.setQueryData(policyKey, policy),
  });
}

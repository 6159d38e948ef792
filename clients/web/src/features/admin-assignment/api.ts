// Automatic assignment's server state: the desk's settings (etag-guarded) and each agent's limits.

import type { AgentCapacity, AssignmentSettings } from "@helpdesk/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client } from "@/lib/client";

export const assignmentKeys = {
  all: ["admin-assignment"] as const,
  settings: ["admin-assignment", "settings"] as const,
  capacities: ["admin-assignment", "capacities"] as const,
};

export function useAssignmentSettings() {
  return useQuery({
    queryKey: assignmentKeys.settings,
    queryFn: ({ signal }) => client.assignment.getAssignmentSettings({}, { signal }),
    // The form owns the values once loaded: a background refetch must not look like someone else's change.
    refetchOnWindowFocus: false,
  });
}

/** Every active agent and admin with their limits and load (a desk has tens, not thousands). */
export function useAgentCapacities() {
  return useQuery({
    queryKey: assignmentKeys.capacities,
    queryFn: async ({ signal }) => {
      const capacities: AgentCapacity[] = [];
      let pageToken = "";
      do {
        const page = await client.assignment.listAgentCapacities({ pageSize: 200, pageToken }, { signal });
        capacities.push(...page.capacities);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return capacities;
    },
  });
}

export type SettingsFields = Pick<AssignmentSettings, "ticketsEnabled" | "ticketCategories" | "chatsEnabled" | "defaultTicketCapacity" | "defaultChatLimit">;

const SETTINGS_PATHS = ["tickets_enabled", "ticket_categories", "chats_enabled", "default_ticket_capacity", "default_chat_limit"];

export function useUpdateAssignmentSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ fields, etag }: { fields: SettingsFields; etag: string }) =>
      client.assignment.updateAssignmentSettings({ settings: { ...fields, etag }, updateMask: { paths: SETTINGS_PATHS } }),
    onSuccess: (settings) => {
      queryClient.setQueryData(assignmentKeys.settings, settings);
      // Defaults shown for agents without their own limits change with them.
      return queryClient.invalidateQueries({ queryKey: assignmentKeys.capacities });
    },
  });
}

export function useUpdateAgentCapacity() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ agentId, ticketCapacity, chatLimit }: { agentId: string; ticketCapacity: number; chatLimit: number }) =>
      client.assignment.updateAgentCapacity({ capacity: { agentId, ticketCapacity, chatLimit }, updateMask: { paths: ["ticket_capacity", "chat_limit"] } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: assignmentKeys.capacities }),
  });
}

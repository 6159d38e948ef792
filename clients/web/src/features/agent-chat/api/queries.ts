// The console's server state beside the shared chat cache (lib/chat/queries.ts): the agent's own
// active chats and the agents with their presence and load.

import { AgentAvailability, ChatStatus, type Agent, type Chat } from "@helpdesk/client";
import { queryOptions } from "@tanstack/react-query";
import { client } from "@/lib/client";

/**
 * Chats handed to the agent by someone else (a transfer) reach no stream the console holds, and
 * chats not shown as panes are not streamed: the list is read again this often.
 */
export const MY_CHATS_REFRESH_MS = 5_000;

export const agentChatKeys = {
  mine: ["agent-chat", "mine"] as const,
  agents: ["agent-chat", "agents"] as const,
};

/** The caller's ACTIVE chats, most recently updated first. */
export function myChatsQuery() {
  return queryOptions({
    queryKey: agentChatKeys.mine,
    queryFn: async (): Promise<Chat[]> => {
      const { chats } = await client.chat.listChats({
        agentId: "me",
        statuses: [ChatStatus.ACTIVE],
        pageSize: 100,
        orderBy: "create_time",
      });
      return chats;
    },
    refetchInterval: MY_CHATS_REFRESH_MS,
  });
}

/** Agents and administrators with their availability and load (ONLINE first, fewest chats first). */
export function agentsQuery() {
  return queryOptions({
    queryKey: agentChatKeys.agents,
    queryFn: async (): Promise<Agent[]> => (await client.chat.listAgents({ pageSize: 200 })).agents,
    staleTime: 0,
  });
}

/** Who can take a transferred chat: everyone present (ONLINE or AWAY) but the chat's agent. */
export function transferTargets(agents: readonly Agent[], currentAgentId: string): Agent[] {
  return agents.filter(
    (agent) =>
      agent.id !== currentAgentId &&
      (agent.availability === AgentAvailability.ONLINE || agent.availability === AgentAvailability.AWAY),
  );
}

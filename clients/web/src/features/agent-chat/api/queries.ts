// The console's server state beside the shared chat cache (lib/chat/queries.ts): the agent's own
// active chats (fed by the queue stream) and the agents with their presence and load.

import { AgentAvailability, ChatStatus, type Agent, type Chat } from "@helpdesk/client";
import { queryOptions, skipToken } from "@tanstack/react-query";
import { client } from "@/lib/client";

/**
 * The agent's chats come live on the queue stream (WatchQueue's `myChats`: the whole list after
 * every (re)connection and on every change, on whichever replica it happened). Only while that
 * stream is down is the list read this often, so that a console behind a broken stream still
 * learns of a transfer.
 */
export const MY_CHATS_FALLBACK_MS = 30_000;

export const agentChatKeys = {
  mine: ["agent-chat", "mine"] as const,
  agents: ["agent-chat", "agents"] as const,
};

/** The caller's ACTIVE chats, oldest first: written by the queue stream while it is live, read otherwise. */
export function myChatsQuery(streamLive: boolean) {
  return queryOptions({
    queryKey: agentChatKeys.mine,
    queryFn: streamLive
      ? skipToken
      : async (): Promise<Chat[]> => {
          const { chats } = await client.chat.listChats({
            agentId: "me",
            statuses: [ChatStatus.ACTIVE],
            pageSize: 200,
            orderBy: "create_time",
          });
          return chats;
        },
    refetchInterval: streamLive ? false : MY_CHATS_FALLBACK_MS,
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

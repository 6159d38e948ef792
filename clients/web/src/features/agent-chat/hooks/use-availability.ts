// The agent's availability for live chat: read from ListAgents, changed with SetAvailability, and
// renewed while ONLINE or AWAY (the server lets presence lapse to OFFLINE after about a minute).

import { AgentAvailability, type Agent } from "@helpdesk/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { client } from "@/lib/client";
import { agentChatKeys, agentsQuery } from "../api/queries";

/** Well under the server's ~60 s presence lapse, so one lost renewal changes nothing. */
export const PRESENCE_RENEW_MS = 25_000;

function present(availability: AgentAvailability | undefined): boolean {
  return availability === AgentAvailability.ONLINE || availability === AgentAvailability.AWAY;
}

export function useAvailability(viewerId: string) {
  const queryClient = useQueryClient();
  const agents = useQuery(agentsQuery());
  const mine = agents.data?.find((agent) => agent.id === viewerId);
  const change = useMutation({
    mutationFn: (availability: AgentAvailability) => client.chat.setAvailability({ availability }),
    onSuccess: (agent) => {
      queryClient.setQueryData<Agent[]>(agentChatKeys.agents, (list) =>
        list?.map((entry) => (entry.id === agent.id ? agent : entry)),
      );
    },
  });
  const availability = change.isPending ? change.variables : mine?.availability;

  const { mutate } = change;
  useEffect(() => {
    if (!present(availability) || availability === undefined) {
      return;
    }
    const timer = setInterval(() => mutate(availability), PRESENCE_RENEW_MS);
    return () => clearInterval(timer);
  }, [availability, mutate]);

  return { availability, loading: agents.isPending, change };
}

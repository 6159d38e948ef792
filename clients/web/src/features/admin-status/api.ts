// The status page's server state: the standard gRPC health check (grpc.health.v1) of the server
// overall and of each API service, through the gateway, every few seconds.

import { Code, createClient } from "@connectrpc/connect";
import { AuthService, ChatService, Health, HealthCheckResponse_ServingStatus, HelpdeskError, KnowledgeService, TicketService, UserService } from "@helpdesk/client";
import { useQuery } from "@tanstack/react-query";
import { client } from "@/lib/client";
import type { ServiceHealth } from "./model/health";

/** The services the page asks about, by their full names ("" is the server overall). */
export const CHECKED_SERVICES = ["", AuthService.typeName, UserService.typeName, TicketService.typeName, ChatService.typeName, KnowledgeService.typeName];

const REFRESH_MS = 10_000;

// Built here, not in HelpdeskClient, so that only this page downloads the health service.
const health = createClient(Health, client.transport);

async function checkOne(service: string, signal: AbortSignal): Promise<ServiceHealth> {
  try {
    const answer = await health.check({ service }, { signal, timeoutMs: 5_000 });
    return { service, status: answer.status === HealthCheckResponse_ServingStatus.SERVING ? "serving" : "notServing" };
  } catch (error) {
    const failure = HelpdeskError.from(error);
    if (signal.aborted) throw error;
    return { service, status: failure.code === Code.NotFound ? "unknown" : "unreachable" };
  }
}

export function useHealth() {
  return useQuery({
    queryKey: ["admin-status", "health"],
    queryFn: async ({ signal }) => ({ services: await Promise.all(CHECKED_SERVICES.map((service) => checkOne(service, signal))), checkedAt: new Date() }),
    refetchInterval: REFRESH_MS,
    refetchIntervalInBackground: false,
  });
}

// The workspace's server state: query keys, the live list and view counts, one ticket with its
// conversation (notes included), events and the customer's other tickets, and the agent's changes.

import { Code } from "@connectrpc/connect";
import { HelpdeskError, type Ticket, type TicketPriority, type TicketStatus } from "@helpdesk/client";
import { keepPreviousData, useInfiniteQuery, useMutation, useQueries, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { client } from "@/lib/client";
import { VIEWS, viewQuery, type TicketQuery, type ViewName } from "./search";

const PAGE_SIZE = 50;

export const workspaceKeys = {
  all: ["workspace"] as const,
  lists: ["workspace", "list"] as const,
  list: (query: TicketQuery) => ["workspace", "list", query] as const,
  counts: ["workspace", "count"] as const,
  count: (view: ViewName) => ["workspace", "count", view] as const,
  ticket: (id: string) => ["workspace", "ticket", id] as const,
  messages: (id: string) => ["workspace", "messages", id] as const,
  events: (id: string) => ["workspace", "events", id] as const,
  customer: (customerId: string) => ["workspace", "customer", customerId] as const,
  agents: ["workspace", "agents"] as const,
};

/** The tickets of `query`, a page at a time; the live watch edits the cached pages. */
export function useWorkspaceList(query: TicketQuery) {
  return useInfiniteQuery({
    queryKey: workspaceKeys.list(query),
    initialPageParam: "",
    queryFn: ({ pageParam, signal }) => client.tickets.listTickets({ ...query, pageSize: PAGE_SIZE, pageToken: pageParam }, { signal }),
    getNextPageParam: (page) => page.nextPageToken || undefined,
    placeholderData: keepPreviousData,
  });
}

/** How many tickets each view holds (refreshed as changes arrive). */
export function useViewCounts(): Partial<Record<ViewName, number>> {
  const results = useQueries({
    queries: VIEWS.map((view) => ({
      queryKey: workspaceKeys.count(view),
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        client.tickets.listTickets({ ...viewQuery(view), pageSize: 1, includeTotalSize: true }, { signal }).then((page) => page.totalSize),
      staleTime: 30_000,
    })),
  });
  const counts: Partial<Record<ViewName, number>> = {};
  VIEWS.forEach((view, index) => {
    const data = results[index]?.data;
    if (data !== undefined) counts[view] = data;
  });
  return counts;
}

export function useAgentTicket(id: string) {
  return useQuery({ queryKey: workspaceKeys.ticket(id), queryFn: ({ signal }) => client.tickets.getTicket({ id }, { signal }) });
}

/** The whole conversation, notes included, oldest first. */
export function useConversation(id: string) {
  return useInfiniteQuery({
    queryKey: workspaceKeys.messages(id),
    initialPageParam: "",
    queryFn: ({ pageParam, signal }) => client.tickets.listTicketMessages({ ticketId: id, pageSize: 200, pageToken: pageParam }, { signal }),
    getNextPageParam: (page) => page.nextPageToken || undefined,
  });
}

export function useTicketEvents(id: string) {
  return useQuery({
    queryKey: workspaceKeys.events(id),
    queryFn: ({ signal }) => client.tickets.listTicketEvents({ ticketId: id, pageSize: 200 }, { signal }),
  });
}

/** The customer's most recent tickets (the page leaves out the one it shows). */
export function useCustomerTickets(customerId: string | undefined) {
  return useQuery({
    queryKey: workspaceKeys.customer(customerId ?? ""),
    enabled: Boolean(customerId),
    queryFn: ({ signal }) => client.tickets.listTickets({ customerId, pageSize: 6, orderBy: "create_time desc" }, { signal }),
  });
}

/** Agents and admins who can take a ticket. */
export function useAgents() {
  return useQuery({
    queryKey: workspaceKeys.agents,
    staleTime: 60_000,
    queryFn: ({ signal }) => client.chat.listAgents({ pageSize: 200 }, { signal }).then((page) => page.agents),
  });
}

/** Whether `error` is the stale-etag refusal (someone else changed the ticket first). */
export function isEtagConflict(error: unknown): boolean {
  const failure = HelpdeskError.from(error);
  return failure.code === Code.Aborted && failure.reason === "ETAG_MISMATCH";
}

/** A changed ticket everywhere it is cached: its page now, lists and counts from the server. */
export function storeTicket(queryClient: QueryClient, ticket: Ticket): void {
  queryClient.setQueryData(workspaceKeys.ticket(ticket.id), ticket);
  void queryClient.invalidateQueries({ queryKey: workspaceKeys.events(ticket.id) });
  void queryClient.invalidateQueries({ queryKey: workspaceKeys.counts });
}

export type TicketEdit =
  | { kind: "assign"; assigneeId: string }
  | { kind: "status"; status: TicketStatus }
  | { kind: "priority"; priority: TicketPriority }
  | { kind: "category"; category: string }
  | { kind: "tags"; tags: string[] }
  /** A macro's actions in one call; `requestId` makes a retry apply it once. */
  | { kind: "macro"; macroId: string; requestId: string };

/** One change of `ticket` made with the etag the agent saw. */
export function editTicket(ticket: Ticket, edit: TicketEdit): Promise<Ticket> {
  const { id, etag } = ticket;
  switch (edit.kind) {
    case "assign":
      return client.tickets.assignTicket({ id, etag, assigneeId: edit.assigneeId });
    case "status":
      return client.tickets.changeTicketStatus({ id, etag, status: edit.status });
    case "priority":
      return client.tickets.updateTicket({ ticket: { id, etag, priority: edit.priority }, updateMask: { paths: ["priority"] } });
    case "category":
      return client.tickets.updateTicket({ ticket: { id, etag, category: edit.category }, updateMask: { paths: ["category"] } });
    case "tags":
      return client.tickets.updateTicket({ ticket: { id, etag, tags: edit.tags }, updateMask: { paths: ["tags"] } });
    case "macro":
      return client.macros.applyMacro({ id: edit.macroId, ticketId: id, etag, requestId: edit.requestId }).then((answer) => answer.ticket ?? ticket);
  }
}

/** Changes the ticket; on a stale etag the fresh ticket is loaded (the caller says so to the agent). */
export function useEditTicket(ticket: Ticket | undefined) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (edit: TicketEdit) => {
      if (ticket === undefined) throw new Error("no ticket");
      return editTicket(ticket, edit);
    },
    onSuccess: (updated, edit) => {
      storeTicket(queryClient, updated);
      // A macro may have added a reply or a note.
      if (edit.kind === "macro") void queryClient.invalidateQueries({ queryKey: workspaceKeys.messages(updated.id) });
    },
    onError: (error) => {
      if (ticket && isEtagConflict(error)) void queryClient.invalidateQueries({ queryKey: workspaceKeys.ticket(ticket.id) });
    },
  });
}

/** Adds a public reply or an internal note; `requestId` makes a resend add it once. */
export function useAddMessage(ticketId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (message: { body: string; internal: boolean; requestId: string }) => client.tickets.addTicketMessage({ ticketId, ...message }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: workspaceKeys.messages(ticketId) });
      void queryClient.invalidateQueries({ queryKey: workspaceKeys.ticket(ticketId) });
      void queryClient.invalidateQueries({ queryKey: workspaceKeys.events(ticketId) });
    },
  });
}

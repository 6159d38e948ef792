// The tickets feature's server state: query keys, list/detail/conversation queries and mutations.

import { ArticleState, ArticleView, TicketStatus, type Ticket, type TicketPriority } from "@helpdesk/client";
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client } from "@/lib/client";
import { listFilters, type TicketListSearch } from "./search";

// The API's default page: one round trip shows a customer's whole recent history.
const PAGE_SIZE = 50;

export const ticketKeys = {
  all: ["tickets"] as const,
  list: (search: TicketListSearch, staff: boolean) => ["tickets", "list", { ...search, staff }] as const,
  detail: (id: string) => ["tickets", "detail", id] as const,
  messages: (id: string) => ["tickets", "messages", id] as const,
};

/** The ticket list for the URL's filters, one page at a time ("load more"). */
export function useTicketList(search: TicketListSearch, staff: boolean) {
  return useInfiniteQuery({
    queryKey: ticketKeys.list(search, staff),
    initialPageParam: "",
    queryFn: ({ pageParam, signal }) =>
      client.tickets.listTickets(
        { ...listFilters(search), pageSize: PAGE_SIZE, pageToken: pageParam, orderBy: staff ? "priority desc, create_time" : "update_time desc" },
        { signal },
      ),
    getNextPageParam: (page) => page.nextPageToken || undefined,
    placeholderData: keepPreviousData,
  });
}

/** Refetch interval of an open ticket: agents' replies show up without a reload. */
const LIVE_MS = 20_000;

export function useTicket(id: string) {
  return useQuery({
    queryKey: ticketKeys.detail(id),
    queryFn: ({ signal }) => client.tickets.getTicket({ id }, { signal }),
    refetchInterval: (query) => (query.state.data?.status === TicketStatus.CLOSED ? false : LIVE_MS),
  });
}

/** The public conversation, oldest first (the server never sends internal notes to customers). */
export function useTicketMessages(id: string, live: boolean) {
  return useInfiniteQuery({
    queryKey: ticketKeys.messages(id),
    initialPageParam: "",
    queryFn: ({ pageParam, signal }) => client.tickets.listTicketMessages({ ticketId: id, pageSize: 100, pageToken: pageParam }, { signal }),
    getNextPageParam: (page) => page.nextPageToken || undefined,
    refetchInterval: live ? LIVE_MS : false,
  });
}

export interface NewTicket {
  subject: string;
  description: string;
  priority: TicketPriority;
  category: string;
  requestId: string;
}

export function useCreateTicket() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (ticket: NewTicket) =>
      client.tickets.createTicket({
        requestId: ticket.requestId,
        ticket: { subject: ticket.subject, description: ticket.description, priority: ticket.priority, category: ticket.category },
      }),
    onSuccess: (created) => {
      queryClient.setQueryData(ticketKeys.detail(created.id), created);
      void queryClient.invalidateQueries({ queryKey: ["tickets", "list"] });
    },
  });
}

export function useAddReply(ticketId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (reply: { body: string; requestId: string }) =>
      client.tickets.addTicketMessage({ ticketId, body: reply.body, requestId: reply.requestId }),
    onSuccess: () => {
      // The reply may have reopened the ticket: refresh both.
      void queryClient.invalidateQueries({ queryKey: ticketKeys.messages(ticketId) });
      void queryClient.invalidateQueries({ queryKey: ticketKeys.detail(ticketId) });
      void queryClient.invalidateQueries({ queryKey: ["tickets", "list"] });
    },
  });
}

export function useCloseTicket(ticket: Ticket | undefined) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => client.tickets.changeTicketStatus({ id: ticket?.id ?? "", status: TicketStatus.CLOSED, etag: ticket?.etag ?? "" }),
    onSuccess: (updated) => {
      queryClient.setQueryData(ticketKeys.detail(updated.id), updated);
      void queryClient.invalidateQueries({ queryKey: ["tickets", "list"] });
    },
    onError: () => {
      if (ticket) void queryClient.invalidateQueries({ queryKey: ticketKeys.detail(ticket.id) });
    },
  });
}

/** The customer's rating of a resolved or closed ticket (once; the server refuses a second one). */
export function useRateTicket(ticketId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (rating: { rating: number; comment: string }) =>
      client.tickets.rateTicket({ id: ticketId, rating: rating.rating, comment: rating.comment }),
    onSuccess: (updated) => {
      queryClient.setQueryData(ticketKeys.detail(updated.id), updated);
    },
    onError: () => {
      // Rated elsewhere, or reopened meanwhile: show the ticket as it is now.
      void queryClient.invalidateQueries({ queryKey: ticketKeys.detail(ticketId) });
    },
  });
}

/** Published articles matching the subject being typed (deflection), empty for short subjects. */
export function useArticleSuggestions(subject: string) {
  const query = subject.trim();
  return useQuery({
    queryKey: ["tickets", "suggestions", query],
    enabled: query.length >= 3,
    staleTime: 60_000,
    queryFn: ({ signal }) =>
      client.knowledge.searchArticles(
        { query, pageSize: 3, states: [ArticleState.PUBLISHED], view: ArticleView.BASIC },
        { signal },
      ),
    placeholderData: keepPreviousData,
  });
}

// A chat's server state in the TanStack Query cache, shared by the customer's chat and the agents'
// console: each chat, and each chat's timeline (written by the stream and by send answers, never
// fetched by polling).

import { ChatStatus, type Chat, type ChatMessage } from "@helpdesk/client";
import { queryOptions, type QueryClient } from "@tanstack/react-query";
import { client } from "@/lib/client";
import { newerChat } from "./events";
import { EMPTY_TIMELINE, mergeMessages, type ChatTimeline } from "./timeline";

export const chatKeys = {
  all: ["chat"] as const,
  chat: (chatId: string) => ["chat", "byId", chatId] as const,
  timeline: (chatId: string) => ["chat", "timeline", chatId] as const,
};

/** While a chat waits, its queue position is re-read this often (the stream carries no queue events). */
export const QUEUE_REFRESH_MS = 5_000;

/** One chat; refreshed periodically only while it waits in the queue. */
export function chatQuery(chatId: string) {
  return queryOptions({
    queryKey: chatKeys.chat(chatId),
    queryFn: () => client.chat.getChat({ id: chatId }),
    staleTime: 30_000,
    refetchInterval: (query) => (query.state.data?.status === ChatStatus.WAITING ? QUEUE_REFRESH_MS : false),
    // A GetChat answer can be older than a status change the stream already delivered.
    structuralSharing: (current, incoming) => newerChat(current as Chat | undefined, incoming as Chat),
  });
}

/** A chat's messages as streamed so far (starts empty; the stream replays history into it). */
export function timelineQuery(queryClient: QueryClient, chatId: string) {
  return queryOptions({
    queryKey: chatKeys.timeline(chatId),
    queryFn: () => queryClient.getQueryData<ChatTimeline>(chatKeys.timeline(chatId)) ?? EMPTY_TIMELINE,
    initialData: EMPTY_TIMELINE,
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 30 * 60_000,
  });
}

/** Merges committed messages into the chat's cached timeline (deduplicated by seq). */
export function mergeIntoTimeline(queryClient: QueryClient, chatId: string, messages: readonly ChatMessage[]): ChatTimeline {
  return queryClient.setQueryData<ChatTimeline>(chatKeys.timeline(chatId), (current) =>
    mergeMessages(current ?? EMPTY_TIMELINE, messages),
  ) as ChatTimeline;
}

/** Stores a copy of a chat from an answer or an event (never moving its status backwards). */
export function storeChat(queryClient: QueryClient, chat: Chat): void {
  queryClient.setQueryData<Chat>(chatKeys.chat(chat.id), (current) => newerChat(current, chat));
}

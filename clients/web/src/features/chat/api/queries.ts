// The customer's side of the chat cache: their latest chat. Each chat and its timeline are kept by
// the shared chat cache (lib/chat/queries.ts).

import type { Chat } from "@helpdesk/client";
import { queryOptions } from "@tanstack/react-query";
import { client } from "@/lib/client";

export const latestChatKey = ["chat", "latest"] as const;

/** The customer's most recent chat (open, or the last one), or null when they never chatted. */
export function latestChatQuery() {
  return queryOptions({
    queryKey: latestChatKey,
    queryFn: async (): Promise<Chat | null> => {
      const { chats } = await client.chat.listChats({ pageSize: 1, orderBy: "create_time desc" });
      return chats[0] ?? null;
    },
    staleTime: 0,
  });
}

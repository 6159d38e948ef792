// Accepting a waiting chat. Several agents may click at once and exactly one wins: the others learn
// who took it (the server answers CHAT_ALREADY_ACCEPTED; the chat then names its agent).

import type { Chat } from "@helpdesk/client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { storeChat } from "@/lib/chat/queries";
import { client } from "@/lib/client";
import { agentChatKeys } from "../api/queries";
import { acceptLoss, type AcceptLoss } from "../model/accept";

export function useAccept(onAccepted: (chat: Chat) => void, onLost: (loss: AcceptLoss) => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (chatId: string) => client.chat.acceptChat({ id: chatId }),
    onSuccess: (chat) => {
      storeChat(queryClient, chat);
      queryClient.setQueryData<Chat[]>(agentChatKeys.mine, (list) =>
        list === undefined || list.some((entry) => entry.id === chat.id) ? list : [...list, chat],
      );
      onAccepted(chat);
    },
    onError: async (error, chatId) => {
      const now = await client.chat.getChat({ id: chatId }).catch(() => undefined);
      if (now !== undefined) {
        storeChat(queryClient, now);
      }
      onLost(acceptLoss(chatId, error, now));
    },
  });
}

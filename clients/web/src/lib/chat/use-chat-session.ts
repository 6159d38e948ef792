// Everything one open chat needs on screen, for the customer's chat and each pane of the agents'
// console alike: the chat, its timeline followed live with resume, and the outbox of unsent
// messages (reconciled with what the stream delivers, retried as soon as the stream is back).

import type { ChatMessage } from "@helpdesk/client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo } from "react";
import { chatQuery, timelineQuery } from "./queries";
import { deliveredRequestIds } from "./timeline";
import { useChatLive } from "./use-chat-live";
import { useOutbox } from "./use-outbox";

/** Follows `chatId` while mounted; `onStatusChange` runs when its status or agent changes. */
export function useChatSession(chatId: string, viewerId: string, onStatusChange?: () => void) {
  const queryClient = useQueryClient();
  const chatResult = useQuery(chatQuery(chatId));
  const { data: timeline } = useQuery(timelineQuery(queryClient, chatId));
  const { outbox: pending, sender } = useOutbox(chatId);

  const onMessages = useCallback(
    (messages: ChatMessage[]) => {
      const own = new Set(messages.map((message) => message.requestId).filter(Boolean));
      if (own.size > 0) {
        sender.reconcile(own); // delivered by the stream although the send's answer was lost
      }
    },
    [sender],
  );
  const { connection, typing } = useChatLive(chatId, viewerId, onMessages, onStatusChange);
  const live = connection === "live";
  // The stream is back, so the network works: unsent messages go now, not after their backoff.
  useEffect(() => {
    if (live) {
      sender.retryWaiting();
    }
  }, [live, sender]);

  // A pending message the timeline already holds is shown once, as the committed one.
  const delivered = useMemo(() => deliveredRequestIds(timeline), [timeline]);
  const unsent = useMemo(() => pending.filter((entry) => !delivered.has(entry.requestId)), [pending, delivered]);

  return { chatResult, timeline, unsent, sender, connection, typing };
}

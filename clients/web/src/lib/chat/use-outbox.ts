// The chat's outbox as React state: typed messages go out one by one with their request_id,
// survive reloads (sessionStorage), and are retried when the connection comes back.

import type { ChatMessage } from "@helpdesk/client";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, useSyncExternalStore } from "react";
import { client } from "@/lib/client";
import { newRequestId } from "@/lib/ids";
import { OutboxSender } from "./outbox-sender";
import { mergeIntoTimeline } from "./queries";
import type { Outbox } from "./outbox";

function sessionStore(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

/** The outbox of `chatId` and its sender, started while mounted. */
export function useOutbox(chatId: string): { outbox: Outbox; sender: OutboxSender } {
  const queryClient = useQueryClient();
  const [sender] = useState(
    () =>
      new OutboxSender(chatId, {
        send: (entry) =>
          client.chat.sendChatMessage({ chatId, body: entry.body, requestId: entry.requestId }),
        onSent: (message: ChatMessage) => mergeIntoTimeline(queryClient, chatId, [message]),
        storage: sessionStore(),
        newRequestId,
      }),
  );
  const outbox = useSyncExternalStore(sender.subscribe, sender.snapshot);

  useEffect(() => {
    sender.open();
    const online = (): void => sender.retryWaiting();
    window.addEventListener("online", online);
    return () => {
      window.removeEventListener("online", online);
      sender.close();
    };
  }, [sender]);

  return { outbox, sender };
}

// Read receipts from the viewer (customer or agent): MarkRead once the newest messages are actually visible (the
// end of the list on screen and the tab in front), never backwards, one call at a time.

import type { ChatMessage } from "@helpdesk/client";
import { useEffect, useRef, useState } from "react";
import { client } from "@/lib/client";
import { readTarget } from "./read";

function tabVisible(): boolean {
  return typeof document === "undefined" || document.visibilityState === "visible";
}

/**
 * Marks the chat read up to its newest message while `atEnd` (the list's end is on screen), when
 * someone else wrote something the viewer has not marked read yet.
 */
export function useMarkRead(
  chatId: string,
  messages: readonly ChatMessage[],
  viewerId: string,
  readSeq: number,
  atEnd: boolean,
  enabled: boolean,
): void {
  const [sent, setSent] = useState(0);
  const busy = useRef(false);
  const [visible, setVisible] = useState(tabVisible);

  useEffect(() => {
    const update = (): void => setVisible(tabVisible());
    document.addEventListener("visibilitychange", update);
    return () => document.removeEventListener("visibilitychange", update);
  }, []);

  const target = readTarget(messages, viewerId, Math.max(sent, readSeq));

  useEffect(() => {
    if (!enabled || !visible || !atEnd || busy.current || target === undefined) {
      return;
    }
    busy.current = true;
    client.chat
      .markRead({ chatId, lastReadSeq: target })
      .then(() => setSent((current) => Math.max(current, target)))
      .catch(() => undefined) // tried again on the next change
      .finally(() => {
        busy.current = false;
      });
  }, [chatId, target, atEnd, visible, enabled]);
}

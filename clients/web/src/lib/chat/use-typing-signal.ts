// Tells the other participant that the viewer is typing: SetTyping(true) at most every few seconds while the
// text changes (the server lets it lapse after about 5 s), SetTyping(false) once sent or cleared.

import { useCallback, useEffect, useRef } from "react";
import { client } from "@/lib/client";

/** Renewal period: under the server's ~5 s expiry, so the indicator does not flicker. */
export const TYPING_RENEW_MS = 3_000;

/** Typing is ephemeral: a failed signal is not worth an error message. */
function signal(chatId: string, typing: boolean): void {
  client.chat.setTyping({ chatId, typing }).catch(() => undefined);
}

export function useTypingSignal(chatId: string, enabled: boolean): { onText: (text: string) => void; onStop: () => void } {
  const lastSent = useRef(0);

  const onStop = useCallback(() => {
    if (lastSent.current !== 0) {
      lastSent.current = 0;
      signal(chatId, false);
    }
  }, [chatId]);

  const onText = useCallback(
    (text: string) => {
      if (!enabled) {
        return;
      }
      if (text.trim() === "") {
        onStop();
        return;
      }
      const now = Date.now();
      if (now - lastSent.current >= TYPING_RENEW_MS) {
        lastSent.current = now;
        signal(chatId, true);
      }
    },
    [chatId, enabled, onStop],
  );

  // Leaving the page (or the chat ending) clears the indicator at once rather than in 5 s.
  useEffect(() => (enabled ? onStop : undefined), [enabled, onStop]);

  return { onText, onStop };
}

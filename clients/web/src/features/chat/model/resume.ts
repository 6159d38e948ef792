// Which chat the page opens on: the customer's open chat, or one that ended recently and still
// waits for its rating; otherwise none (the start form).

import { ChatStatus, type Chat } from "@helpdesk/client";

/** An ended chat is offered for rating for this long after it ended. */
export const RATE_WINDOW_MS = 24 * 3600 * 1000;

/** The id of the chat to show when the page opens, or undefined for the start form. */
export function chatToResume(chat: Chat | null | undefined, now: number): string | undefined {
  if (!chat) {
    return undefined;
  }
  if (chat.status === ChatStatus.WAITING || chat.status === ChatStatus.ACTIVE) {
    return chat.id;
  }
  const ended = chat.endTime === undefined ? 0 : Number(chat.endTime.seconds) * 1000;
  return chat.status === ChatStatus.ENDED && chat.rating === 0 && now - ended < RATE_WINDOW_MS ? chat.id : undefined;
}

// Read receipts: what the viewer has read, and which of their own messages the other side has read.

import type { ChatMessage } from "@helpdesk/client";

/**
 * The seq to mark read now, or undefined: the newest message, once someone else wrote something
 * after what the viewer already marked read (their own messages need no receipt). With `ownToo`
 * the viewer's own newest message moves the receipt as well: an agent's chat list can then count
 * unread messages from the chat's last seq alone, without the agent's replies among them.
 */
export function readTarget(messages: readonly ChatMessage[], viewerId: string, alreadyRead: number, ownToo = false): number | undefined {
  if (ownToo) {
    const newest = messages.at(-1)?.seq ?? 0;
    return newest > alreadyRead ? newest : undefined;
  }
  const newestFromOthers = messages.findLast((message) => message.senderId !== viewerId)?.seq ?? 0;
  if (newestFromOthers <= alreadyRead) {
    return undefined;
  }
  return messages.at(-1)?.seq;
}

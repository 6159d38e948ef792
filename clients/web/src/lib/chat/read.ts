// Read receipts: what the viewer has read, and which of their own messages the other side has read.

import type { ChatMessage } from "@helpdesk/client";

/**
 * The seq to mark read now, or undefined: the newest message, once someone else wrote something
 * after what the viewer already marked read (their own messages need no receipt).
 */
export function readTarget(messages: readonly ChatMessage[], viewerId: string, alreadyRead: number): number | undefined {
  const newestFromOthers = messages.findLast((message) => message.senderId !== viewerId)?.seq ?? 0;
  if (newestFromOthers <= alreadyRead) {
    return undefined;
  }
  return messages.at(-1)?.seq;
}

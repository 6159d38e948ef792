// How one StreamChat event changes what the page knows about the chat itself (status, agent,
// read receipts) and who is typing. Messages go to the timeline (timeline.ts).

import type { Chat, ChatEvent, TypingIndicator } from "@helpdesk/client";

/** The chat after `event`; the same object when the event does not change it. */
export function applyEventToChat(chat: Chat, event: ChatEvent): Chat {
  const value = event.event;
  switch (value.case) {
    case "statusChange":
    case "agentChange": {
      const next = value.value.chat;
      return next === undefined || next.id !== chat.id ? chat : newerChat(chat, next);
    }
    case "readReceipt": {
      const { userId, lastReadSeq } = value.value;
      if (userId === chat.agentId && lastReadSeq > chat.agentLastReadSeq) {
        return { ...chat, agentLastReadSeq: lastReadSeq };
      }
      if (userId === chat.customerId && lastReadSeq > chat.customerLastReadSeq) {
        return { ...chat, customerLastReadSeq: lastReadSeq };
      }
      return chat;
    }
    case "message":
      return value.value.seq > chat.lastSeq ? { ...chat, lastSeq: value.value.seq } : chat;
    default:
      return chat;
  }
}

/** Someone else typing, until when. */
export interface TypingState {
  readonly userId: string;
  readonly displayName: string;
  /** When the indicator lapses unless renewed (ms since the epoch). */
  readonly until: number;
}

/** Used when the server sent no expiry: its indicators lapse after about 5 seconds. */
export const TYPING_FALLBACK_MS = 6_000;

function timestampMs(value: { seconds: bigint; nanos: number } | undefined): number | undefined {
  return value === undefined ? undefined : Number(value.seconds) * 1000 + Math.floor(value.nanos / 1e6);
}

/**
 * Who is typing after an indicator: our own echoes are ignored, `typing: false` clears it, and an
 * expiry comes from the server's clock but is capped by ours (a skewed clock never pins it on).
 */
export function applyTyping(
  current: TypingState | undefined,
  indicator: TypingIndicator,
  viewerId: string,
  now: number,
): TypingState | undefined {
  if (indicator.userId === viewerId) {
    return current;
  }
  if (!indicator.typing) {
    return current?.userId === indicator.userId ? undefined : current;
  }
  const serverUntil = timestampMs(indicator.expireTime);
  const until = Math.min(serverUntil ?? Number.POSITIVE_INFINITY, now + TYPING_FALLBACK_MS);
  return { userId: indicator.userId, displayName: indicator.displayName, until: Math.max(until, now + 1_000) };
}

/** A message from the typist ends their indicator. */
export function clearTypingOnMessage(current: TypingState | undefined, senderId: string): TypingState | undefined {
  return current?.userId === senderId ? undefined : current;
}

/**
 * Combines a cached chat with a copy from the server that may be older (an answer overtaken by a
 * stream event): a chat's status only moves forward and its read receipts only grow.
 */
export function newerChat(current: Chat | undefined, incoming: Chat): Chat {
  if (current === undefined || current.id !== incoming.id) {
    return incoming;
  }
  const base = incoming.status >= current.status ? incoming : current;
  return {
    ...base,
    agentLastReadSeq: Math.max(incoming.agentLastReadSeq, current.agentLastReadSeq),
    customerLastReadSeq: Math.max(incoming.customerLastReadSeq, current.customerLastReadSeq),
    lastSeq: Math.max(incoming.lastSeq, current.lastSeq),
    queuePosition: base.status === incoming.status ? incoming.queuePosition : base.queuePosition,
  };
}

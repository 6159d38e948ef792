// A chat's messages as the page holds them: ordered by seq, each seq at most once, and the cursor
// that a resumed StreamChat continues after.

import type { ChatMessage } from "@helpdesk/client";

/** The committed messages of one chat, in seq order, without duplicates. */
export interface ChatTimeline {
  readonly messages: readonly ChatMessage[];
  /**
   * The resume cursor: the highest seq up to which every message is held. Seqs start at 1 and
   * have no gaps, so a message known out of order (the answer to our own send can overtake the
   * stream) never moves the cursor past one the stream has not delivered yet.
   */
  readonly contiguousSeq: number;
}

export const EMPTY_TIMELINE: ChatTimeline = { messages: [], contiguousSeq: 0 };

/** Index of the first message whose seq is >= `seq` (binary search over the sorted list). */
function lowerBound(messages: readonly ChatMessage[], seq: number): number {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((messages[middle]?.seq ?? seq) < seq) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

/**
 * The timeline with `incoming` merged in: a seq already held is dropped (a replay after a
 * reconnect, or the stream's copy of our own sent message), the rest is inserted in seq order.
 * Returns the same object when nothing was new, so React and TanStack Query see no change.
 */
export function mergeMessages(timeline: ChatTimeline, incoming: readonly ChatMessage[]): ChatTimeline {
  let messages: ChatMessage[] | undefined;
  for (const message of incoming) {
    if (message.seq <= 0) {
      continue; // not a committed message
    }
    const current = messages ?? timeline.messages;
    const last = current.at(-1);
    if (last === undefined || message.seq > last.seq) {
      messages ??= [...timeline.messages];
      messages.push(message);
      continue;
    }
    const at = lowerBound(current, message.seq);
    if (current[at]?.seq === message.seq) {
      continue;
    }
    messages ??= [...timeline.messages];
    messages.splice(at, 0, message);
  }
  if (messages === undefined) {
    return timeline;
  }
  let contiguousSeq = timeline.contiguousSeq;
  for (let i = lowerBound(messages, contiguousSeq + 1); i < messages.length; i += 1) {
    if (messages[i]?.seq !== contiguousSeq + 1) {
      break;
    }
    contiguousSeq += 1;
  }
  return { messages, contiguousSeq };
}

/** The request ids of the caller's own messages the timeline holds (the server echoes them only to their sender). */
export function deliveredRequestIds(timeline: ChatTimeline): ReadonlySet<string> {
  const ids = new Set<string>();
  for (const message of timeline.messages) {
    if (message.requestId) {
      ids.add(message.requestId);
    }
  }
  return ids;
}

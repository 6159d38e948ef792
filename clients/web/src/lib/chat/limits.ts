// The server's limits (server/chat/rules.py), checked before sending so the user learns at once.

/** A chat message: 1 to 4,000 characters. */
export const MAX_MESSAGE_LENGTH = 4_000;
/** A chat topic: at most 200 characters. */
export const MAX_TOPIC_LENGTH = 200;
/** Rating feedback: at most 2,000 characters. */
export const MAX_FEEDBACK_LENGTH = 2_000;

/** Length as the server counts it (Unicode code points, not UTF-16 units). */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) {
    count += 1;
  }
  return count;
}

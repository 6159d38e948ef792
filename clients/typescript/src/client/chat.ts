// StreamChat that survives disconnects: resumes from the last seen `seq`, so nothing is lost and
// nothing delivered twice (the server replays every message after `afterSeq`, then goes live).

import type { Client } from "@connectrpc/connect";
import type { ChatEvent } from "../gen/helpdesk/v1/chat_event_pb.js";
import { ChatStatus } from "../gen/helpdesk/v1/chat_pb.js";
import type { ChatService } from "../gen/helpdesk/v1/chat_service_pb.js";
import { HelpdeskError } from "./errors.js";
import { STREAM_WITHOUT_DEADLINE, StreamResumer } from "./resume.js";
import type { Session } from "./session.js";

export interface ResumeOptions {
  /** Resume after this seq (0: from the first message). */
  afterSeq?: number;
  /** Consecutive attempts that deliver nothing before giving up (default 8). */
  maxAttempts?: number;
  /** Stops the stream. */
  signal?: AbortSignal;
  /** Called before each reconnect (for a "reconnecting…" banner). */
  onReconnect?: (attempt: number, error: HelpdeskError | undefined) => void;
}

/** A chat's events, resumed after any disconnect; ends when the chat ends or `signal` aborts. */
export async function* resumableChatEvents(
  chat: Client<typeof ChatService>,
  session: Session,
  chatId: string,
  options: ResumeOptions = {},
): AsyncGenerator<ChatEvent> {
  let lastSeq = options.afterSeq ?? 0;
  const resumer = new StreamResumer(session, "chat", options.maxAttempts ?? 8, options.onReconnect);
  while (!options.signal?.aborted) {
    let failure: HelpdeskError | undefined;
    try {
      for await (const event of chat.streamChat(
        { chatId, afterSeq: lastSeq },
        { signal: options.signal, timeoutMs: STREAM_WITHOUT_DEADLINE },
      )) {
        resumer.delivered();
        if (event.event.case === "message") {
          if (event.event.value.seq <= lastSeq) {
            continue; // already delivered before the reconnect
          }
          lastSeq = event.event.value.seq;
        }
        yield event;
        if (event.event.case === "statusChange" && event.event.value.chat?.status === ChatStatus.ENDED) {
          return;
        }
      }
    } catch (reason) {
      failure = HelpdeskError.from(reason);
    }
    if (options.signal?.aborted) {
      return;
    }
    await resumer.afterEnd(failure);
  }
}

// StreamChat that survives disconnects: resumes from the last seen `seq`, so nothing is lost and
// nothing delivered twice (the server replays every message after `afterSeq`, then goes live).

import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { ChatEvent } from "../gen/helpdesk/v1/chat_event_pb.js";
import { ChatStatus } from "../gen/helpdesk/v1/chat_pb.js";
import type { ChatService } from "../gen/helpdesk/v1/chat_service_pb.js";
import { HelpdeskError } from "./errors.js";
import type { Session } from "./session.js";

/** A stream lives as long as the chat: the transport's unary deadline must not cut it (<= 0 = none). */
export const STREAM_WITHOUT_DEADLINE = 0;

/** Codes after which the stream is re-opened (the path to the chat broke, not the chat). */
const RESUMABLE = new Set([Code.Unavailable, Code.Unknown, Code.Internal, Code.Canceled, Code.DeadlineExceeded]);

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
  let failures = 0;
  let refreshed = false;
  const maxAttempts = options.maxAttempts ?? 8;
  while (!options.signal?.aborted) {
    let failure: HelpdeskError | undefined;
    try {
      for await (const event of chat.streamChat(
        { chatId, afterSeq: lastSeq },
        { signal: options.signal, timeoutMs: STREAM_WITHOUT_DEADLINE },
      )) {
        failures = 0;
        refreshed = false;
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
    if (failure?.code === Code.Unauthenticated && !refreshed && session.signedIn) {
      refreshed = true; // the access token expired during a long stream
      await session.refresh("rejected");
      continue;
    }
    if (failure !== undefined && !RESUMABLE.has(failure.code)) {
      throw failure;
    }
    failures += 1;
    if (failures >= maxAttempts) {
      throw failure ?? new HelpdeskError(new ConnectError("the chat stream keeps ending; giving up", Code.Unavailable));
    }
    options.onReconnect?.(failures, failure);
    await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** (failures - 1), 2000)));
  }
}

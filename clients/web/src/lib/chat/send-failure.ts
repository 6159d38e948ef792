// What a failed SendChatMessage means for the message the viewer typed.

import { Code } from "@connectrpc/connect";
import { HelpdeskError } from "@helpdesk/client";
import type { SendFailure } from "./outbox";

/**
 * Network trouble and overload are transient (the same request_id is sent again later and the
 * server stores the message once); an ended chat, a refused body or a lost session are not.
 */
export function classifySendFailure(reason: unknown): SendFailure {
  const error = HelpdeskError.from(reason);
  switch (error.code) {
    case Code.ResourceExhausted:
      return { kind: "rateLimited", transient: true, retryDelayMs: error.retryDelayMs };
    case Code.FailedPrecondition:
      return error.reason === "CHAT_ENDED" ? { kind: "chatEnded", transient: false } : { kind: "rejected", transient: false };
    case Code.InvalidArgument:
    case Code.PermissionDenied:
    case Code.NotFound:
      return { kind: "rejected", transient: false };
    case Code.Unauthenticated:
      return { kind: "signedOut", transient: false };
    default:
      // Unavailable, Unknown (fetch failed), DeadlineExceeded, Aborted, Internal, Canceled.
      return { kind: "offline", transient: true };
  }
}

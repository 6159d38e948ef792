// What a refused AcceptChat means for the agent who clicked: someone else was faster (and who),
// the customer left first, or something else went wrong.

import { Code } from "@connectrpc/connect";
import { ChatStatus, HelpdeskError, type Chat } from "@helpdesk/client";

/** Why an accept did not give the chat to the caller. */
export type AcceptLoss =
  | { kind: "taken"; chatId: string; agentName: string }
  | { kind: "ended"; chatId: string }
  | { kind: "failed"; chatId: string; error: unknown };

/** What a refused accept means, given the chat as it is now (undefined when it could not be read). */
export function acceptLoss(chatId: string, error: unknown, now: Chat | undefined): AcceptLoss {
  const refused = HelpdeskError.from(error);
  if (refused.code !== Code.FailedPrecondition || now === undefined) {
    return { kind: "failed", chatId, error };
  }
  if (now.status === ChatStatus.ACTIVE && now.agentId !== "") {
    return { kind: "taken", chatId, agentName: now.agentDisplayName };
  }
  return { kind: "ended", chatId };
}

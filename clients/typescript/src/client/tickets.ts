// WatchTickets that survives disconnects: resumes from the last cursor it delivered, so nothing is
// lost and nothing delivered twice (the server replays every change after `afterCursor`, then goes
// live). A cursor too old to replay (FAILED_PRECONDITION, reason CURSOR_EXPIRED or CURSOR_UNKNOWN)
// is thrown: the caller reloads its list with ListTickets and watches again without a cursor.

import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { type TicketChange, TicketChangeKind } from "../gen/helpdesk/v1/ticket_change_pb.js";
import type { TicketService, WatchTicketsRequestSchema } from "../gen/helpdesk/v1/ticket_service_pb.js";
import { HelpdeskError } from "./errors.js";
import { STREAM_WITHOUT_DEADLINE, StreamResumer } from "./resume.js";
import type { Session } from "./session.js";

/** The filters of a WatchTickets request (those of ListTickets; the cursor is the helper's business). */
export type TicketWatchFilter = Omit<MessageInitShape<typeof WatchTicketsRequestSchema>, "afterCursor" | "$typeName">;

export interface WatchTicketsOptions {
  /** Resume after this cursor ("" or unset: from now, starting with a CAUGHT_UP marker). */
  afterCursor?: string;
  /** Also yield CAUGHT_UP and HEARTBEAT markers (default false: only ticket changes). */
  markers?: boolean;
  /** Consecutive attempts that deliver nothing before giving up (default 8). */
  maxAttempts?: number;
  /** Stops the stream. */
  signal?: AbortSignal;
  /** Called before each reconnect (for a "reconnecting…" banner). */
  onReconnect?: (attempt: number, error: HelpdeskError | undefined) => void;
  /** Called with every cursor reached (markers included), e.g. to keep it across page loads. */
  onCursor?: (cursor: string) => void;
}

/** Ticket changes matching `filter`, resumed after any disconnect; ends only when `signal` aborts. */
export async function* resumableTicketChanges(
  tickets: Client<typeof TicketService>,
  session: Session,
  filter: TicketWatchFilter,
  options: WatchTicketsOptions = {},
): AsyncGenerator<TicketChange> {
  let cursor = options.afterCursor ?? "";
  const resumer = new StreamResumer(session, "ticket", options.maxAttempts ?? 8, options.onReconnect);
  while (!options.signal?.aborted) {
    let failure: HelpdeskError | undefined;
    try {
      for await (const change of tickets.watchTickets(
        { ...filter, afterCursor: cursor },
        { signal: options.signal, timeoutMs: STREAM_WITHOUT_DEADLINE },
      )) {
        resumer.delivered();
        cursor = change.cursor;
        options.onCursor?.(cursor);
        const marker = change.kind === TicketChangeKind.CAUGHT_UP || change.kind === TicketChangeKind.HEARTBEAT;
        if (!marker || options.markers) {
          yield change;
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

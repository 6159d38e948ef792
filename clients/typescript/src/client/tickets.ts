// WatchTickets that survives disconnects: resumes from the last cursor it delivered, so nothing is
// lost and nothing delivered twice (the server replays every change after `afterCursor`, then goes
// live). A cursor too old to replay (FAILED_PRECONDITION, reason CURSOR_EXPIRED or CURSOR_UNKNOWN)
// is thrown: the caller reloads its list with ListTickets and watches again without a cursor.

import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { type TicketChange, TicketChangeKind } from "../gen/helpdesk/v1/ticket_change_pb.js";
import type { TicketService, WatchTicketsRequestSchema } from "../gen/helpdesk/v1/ticket_service_pb.js";
import { STREAM_WITHOUT_DEADLINE } from "./chat.js";
import { HelpdeskError } from "./errors.js";
import type { Session } from "./session.js";

/** Codes after which the stream is re-opened (the path to the server broke, not the request). */
const RESUMABLE = new Set([Code.Unavailable, Code.Unknown, Code.Internal, Code.Canceled, Code.DeadlineExceeded]);

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
  let failures = 0;
  let refreshed = false;
  const maxAttempts = options.maxAttempts ?? 8;
  while (!options.signal?.aborted) {
    let failure: HelpdeskError | undefined;
    try {
      for await (const change of tickets.watchTickets(
        { ...filter, afterCursor: cursor },
        { signal: options.signal, timeoutMs: STREAM_WITHOUT_DEADLINE },
      )) {
        failures = 0;
        refreshed = false;
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
      throw failure ?? new HelpdeskError(new ConnectError("the ticket stream keeps ending; giving up", Code.Unavailable));
    }
    options.onReconnect?.(failures, failure);
    await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** (failures - 1), 2000)));
  }
}

// What a resumable stream does after it ends: refresh an expired access token once, re-open after
// a broken path (with backoff, up to a number of fruitless attempts), or give up with the error.
// The chat and ticket-watch streams share it; each keeps its own resume position.

import { Code, ConnectError } from "@connectrpc/connect";
import { HelpdeskError } from "./errors.js";
import type { Session } from "./session.js";

/** A stream lives as long as its subject: the transport's unary deadline must not cut it (<= 0 = none). */
export const STREAM_WITHOUT_DEADLINE = 0;

/** Codes after which a stream is re-opened (the path to the server broke, not the request). */
const RESUMABLE = new Set([Code.Unavailable, Code.Unknown, Code.Internal, Code.Canceled, Code.DeadlineExceeded]);

/** The retry state of one resumable stream. */
export class StreamResumer {
  private failures = 0;
  private refreshed = false;

  constructor(
    private readonly session: Session,
    private readonly name: string,
    private readonly maxAttempts: number,
    private readonly onReconnect?: (attempt: number, error: HelpdeskError | undefined) => void,
  ) {}

  /** Something arrived: the next end starts a fresh count. */
  delivered(): void {
    this.failures = 0;
    this.refreshed = false;
  }

  /** The stream ended (`failure` undefined: cleanly): resolves when to re-open it, or throws why not. */
  async afterEnd(failure: HelpdeskError | undefined): Promise<void> {
    if (failure?.code === Code.Unauthenticated && !this.refreshed && this.session.signedIn) {
      this.refreshed = true; // the access token expired during a long stream
      await this.session.refresh("rejected");
      return;
    }
    if (failure !== undefined && !RESUMABLE.has(failure.code)) {
      throw failure;
    }
    this.failures += 1;
    if (this.failures >= this.maxAttempts) {
      throw failure ?? new HelpdeskError(new ConnectError(`the ${this.name} stream keeps ending; giving up`, Code.Unavailable));
    }
    this.onReconnect?.(this.failures, failure);
    await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** (this.failures - 1), 2000)));
  }
}

// The messages the viewer has sent that the server has not acknowledged yet, as a pure state
// machine. Each entry keeps the request_id it was given when typed, so every retry is the same
// request and the server stores the message once however many attempts reach it.
//
//   queued ──send──▶ sending ──ack──▶ (removed: the message is in the timeline)
//     ▲                 │
//     │ retry / due     ├─ transient failure ─▶ waiting (retried when due, when back online, or by hand)
//     └─────────────────┴─ permanent failure ─▶ failed  (retried by hand or discarded)
//
// Entries go out one at a time, oldest first, so the chat shows them in the order they were typed.

/** Why a send failed, as the page explains it. */
export type SendFailureKind = "offline" | "rateLimited" | "chatEnded" | "rejected" | "signedOut";

export interface SendFailure {
  readonly kind: SendFailureKind;
  /** Whether trying again later may succeed without the user changing anything. */
  readonly transient: boolean;
  /** Server-suggested wait (RetryInfo), in milliseconds. */
  readonly retryDelayMs?: number;
}

export type OutboxState = "queued" | "sending" | "waiting" | "failed";

export interface OutboxEntry {
  readonly requestId: string;
  readonly body: string;
  readonly state: OutboxState;
  /** Attempts that failed so far (drives the backoff). */
  readonly failures: number;
  /** When a `waiting` entry is due again (ms since the epoch). */
  readonly retryAt: number;
  readonly failure?: SendFailure;
}

export type Outbox = readonly OutboxEntry[];

const BASE_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 15_000;

/** How long to wait after the `failures`-th failed attempt. */
export function backoffMs(failures: number, hintMs?: number): number {
  const exponential = Math.min(BASE_BACKOFF_MS * 2 ** Math.max(failures - 1, 0), MAX_BACKOFF_MS);
  return Math.max(exponential, hintMs ?? 0);
}

/** Adds a typed message at the end of the queue. */
export function enqueue(outbox: Outbox, requestId: string, body: string): Outbox {
  if (outbox.some((entry) => entry.requestId === requestId)) {
    return outbox;
  }
  return [...outbox, { requestId, body, state: "queued", failures: 0, retryAt: 0 }];
}

function update(outbox: Outbox, requestId: string, change: (entry: OutboxEntry) => OutboxEntry | undefined): Outbox {
  const index = outbox.findIndex((entry) => entry.requestId === requestId);
  const entry = outbox[index];
  if (entry === undefined) {
    return outbox;
  }
  const next = change(entry);
  if (next === entry) {
    return outbox;
  }
  const copy = [...outbox];
  if (next === undefined) {
    copy.splice(index, 1);
  } else {
    copy[index] = next;
  }
  return copy;
}

/** What the sender should do now. */
export type NextStep =
  | { readonly kind: "send"; readonly entry: OutboxEntry }
  | { readonly kind: "wait"; readonly until: number }
  | { readonly kind: "idle" };

/**
 * The next step at time `now`: only the oldest entry may be in flight, so a later message never
 * overtakes an earlier one; a failed (permanent) head blocks the rest until the user acts.
 */
export function nextStep(outbox: Outbox, now: number): NextStep {
  const head = outbox[0];
  if (head === undefined || head.state === "sending" || head.state === "failed") {
    return { kind: "idle" };
  }
  if (head.state === "waiting" && head.retryAt > now) {
    return { kind: "wait", until: head.retryAt };
  }
  return { kind: "send", entry: head };
}

/** The entry is in flight. */
export function markSending(outbox: Outbox, requestId: string): Outbox {
  return update(outbox, requestId, (entry) => ({ ...entry, state: "sending" }));
}

/** The server acknowledged the entry (or the stream delivered it): it leaves the outbox. */
export function settle(outbox: Outbox, requestId: string): Outbox {
  return update(outbox, requestId, () => undefined);
}

/** An attempt failed: a transient failure waits for its backoff, a permanent one for the user. */
export function fail(outbox: Outbox, requestId: string, failure: SendFailure, now: number): Outbox {
  return update(outbox, requestId, (entry) => {
    const failures = entry.failures + 1;
    return failure.transient
      ? { ...entry, state: "waiting", failures, failure, retryAt: now + backoffMs(failures, failure.retryDelayMs) }
      : { ...entry, state: "failed", failures, failure, retryAt: 0 };
  });
}

/** The user asked to try again (or the connection came back): due at once, same request_id. */
export function retryNow(outbox: Outbox, requestId: string): Outbox {
  return update(outbox, requestId, (entry) =>
    entry.state === "waiting" || entry.state === "failed" ? { ...entry, state: "queued", retryAt: 0 } : entry,
  );
}

/** Every entry waiting on a transient failure becomes due at once (the connection is back). */
export function retryWaiting(outbox: Outbox): Outbox {
  return outbox.some((entry) => entry.state === "waiting")
    ? outbox.map((entry) => (entry.state === "waiting" ? { ...entry, state: "queued", retryAt: 0 } : entry))
    : outbox;
}

/** The user gave up on an unsent message. */
export function discard(outbox: Outbox, requestId: string): Outbox {
  return update(outbox, requestId, (entry) => (entry.state === "sending" ? entry : undefined));
}

/** Drops the entries the chat already holds: a lost answer whose message the stream delivered. */
export function reconcile(outbox: Outbox, delivered: ReadonlySet<string>): Outbox {
  return outbox.some((entry) => delivered.has(entry.requestId))
    ? outbox.filter((entry) => !delivered.has(entry.requestId))
    : outbox;
}

/**
 * After a page load: an attempt that was in flight may or may not have landed (its retry is safe),
 * and one waiting out a backoff is due at once; a refused one still waits for the user.
 */
export function restore(outbox: Outbox): Outbox {
  return outbox.map((entry) =>
    entry.state === "sending" || entry.state === "waiting" ? { ...entry, state: "queued", retryAt: 0 } : entry,
  );
}

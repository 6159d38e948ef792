// Follows a server stream for as long as the page shows it, reconnecting after any drop: one chat
// over StreamChat with `after_seq` set to the cache's resume cursor, so the server replays exactly
// what was missed, or the agents' queue over WatchQueue (every new stream starts with a snapshot).
//
// The client's own `streamChat` helper resumes too, but gives up after a few failed attempts and
// cannot tell when a reconnect has succeeded. A page that may sit offline for minutes needs both:
// it retries for as long as it is open, reconnects at once when the browser is back online, and
// reports "live" as soon as the server answers the new stream's headers (the server sends them
// before any event), not only when the next message or heartbeat arrives.

import { Code } from "@connectrpc/connect";
import { ChatStatus, HelpdeskError, type ChatEvent } from "@helpdesk/client";

/** Where the stream stands, for the page's connection banner. */
export type ConnectionState = "connecting" | "live" | "reconnecting" | "ended" | "failed";

export interface LiveStreamDeps<E> {
  /** Opens the stream after `afterSeq`; `onOpen` runs when the server has answered. */
  open(afterSeq: number, signal: AbortSignal, onOpen: () => void): AsyncIterable<E>;
  /** The resume cursor: the highest seq up to which the page holds every message. */
  cursor(): number;
  /** Every event, in order (messages may repeat across reconnects: the receiver dedupes by seq). */
  onEvent(event: E): void;
  /** Whether `event` is the last one (the chat ended): the stream then stops for good. */
  isFinal(event: E): boolean;
  onState(state: ConnectionState, error?: HelpdeskError): void;
  /** A stream that completed without an ENDED event: is the chat over (then stop) or not (reconnect)? */
  hasEnded(): Promise<boolean>;
  /** Exchanges the refresh token after the server refused an expired access token; false when signed out. */
  refreshSession(): Promise<boolean>;
  /** Whether the browser believes it is online (navigator.onLine). */
  isOnline(): boolean;
}

/** Failures that concern the path to the chat, not the chat: reconnecting can fix them. */
const RECONNECTABLE = new Set<Code>([
  Code.Unavailable,
  Code.Unknown,
  Code.Internal,
  Code.Canceled,
  Code.Aborted,
  Code.DeadlineExceeded,
  Code.ResourceExhausted,
]);

/** The server sends a heartbeat about every 15 s: a stream silent for this long is dead. */
export const SILENCE_LIMIT_MS = 40_000;
const MAX_BACKOFF_MS = 8_000;
/** A stream open this long before breaking counts as having worked (the backoff starts over). */
const STABLE_MS = 5_000;

/** Delay before reconnect attempt `failures` (1, 2, ...): quick first, then backing off. */
export function reconnectDelayMs(failures: number): number {
  return Math.min(250 * 2 ** Math.max(failures - 1, 0), MAX_BACKOFF_MS);
}

/** StreamChat's dependencies: the chat ends with its ENDED status change. */
export type ChatStreamDeps = Omit<LiveStreamDeps<ChatEvent>, "isFinal">;

/** Whether a StreamChat event says the chat is over. */
export function isChatEnd(event: ChatEvent): boolean {
  return event.event.case === "statusChange" && event.event.value.chat?.status === ChatStatus.ENDED;
}

/**
 * A server stream followed for as long as the page shows it (StreamChat, WatchQueue): `start()`
 * once, `stop()` when the page goes; `reconnectNow()` when the network is back.
 */
export class LiveStream<E> {
  private stopped = false;
  private attempt: AbortController | undefined;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: LiveStreamDeps<E>) {}

  /** Starts following the chat (idempotent). */
  start(): Promise<void> {
    this.running ??= this.run();
    return this.running;
  }

  /** Stops for good: the current attempt is aborted and nothing is reported any more. */
  stop(): void {
    this.stopped = true;
    this.attempt?.abort();
    this.wake?.();
  }

  /** Drops the current attempt (the browser went offline: it may hang rather than fail). */
  interrupt(): void {
    this.attempt?.abort();
  }

  /** Skips the wait before the next attempt (the browser is back online). */
  reconnectNow(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    let failures = 0;
    let refreshed = false;
    let everLive = false;
    this.deps.onState("connecting");
    while (!this.stopped) {
      const attempt = new AbortController();
      this.attempt = attempt;
      let silence: ReturnType<typeof setTimeout> | undefined;
      const watch = (): void => {
        clearTimeout(silence);
        silence = setTimeout(() => attempt.abort(), SILENCE_LIMIT_MS);
      };
      let failure: HelpdeskError | undefined;
      let ended = false;
      let openedAt: number | undefined;
      try {
        watch();
        const onOpen = (): void => {
          openedAt = Date.now();
          everLive = true;
          if (!this.stopped) {
            this.deps.onState("live");
          }
        };
        for await (const event of this.deps.open(this.deps.cursor(), attempt.signal, onOpen)) {
          watch();
          failures = 0;
          refreshed = false;
          if (this.stopped) {
            return;
          }
          this.deps.onEvent(event);
          if (this.deps.isFinal(event)) {
            ended = true;
          }
        }
        ended ||= await this.deps.hasEnded().catch(() => false);
      } catch (reason) {
        failure = HelpdeskError.from(reason);
      } finally {
        clearTimeout(silence);
      }
      if (this.stopped) {
        return;
      }
      if (ended) {
        this.deps.onState("ended");
        return;
      }
      if (failure?.code === Code.Unauthenticated && !refreshed) {
        refreshed = true; // the access token expired during a long stream
        if (await this.deps.refreshSession().catch(() => false)) {
          continue;
        }
      }
      // Our own abort (offline, silence) shows up as Canceled: reconnect like any network failure.
      if (failure !== undefined && !RECONNECTABLE.has(failure.code)) {
        this.deps.onState("failed", failure);
        return;
      }
      if (openedAt !== undefined && Date.now() - openedAt >= STABLE_MS) {
        failures = 0; // it was a working stream that broke, not a failing reconnect
      }
      failures += 1;
      this.deps.onState(everLive || failures > 1 ? "reconnecting" : "connecting", failure);
      await this.pause(reconnectDelayMs(failures));
    }
  }

  /** Waits `ms` (while the browser is offline, the longest backoff) or until woken by reconnectNow(). */
  private pause(ms: number): Promise<void> {
    const wait = this.deps.isOnline() ? ms : Math.max(ms, MAX_BACKOFF_MS);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, wait);
      this.wake = done;
    });
  }
}

/** One chat's StreamChat, resumed after `cursor()`. */
export class ChatStream extends LiveStream<ChatEvent> {
  constructor(deps: ChatStreamDeps) {
    super({ ...deps, isFinal: isChatEnd });
  }
}

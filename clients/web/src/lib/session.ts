// The signed-in state of the app and the timer that refreshes the access token before it expires.
// Kept free of React and of the browser so that it can be unit-tested with fake clocks.

import type { RefreshReason, Tokens, User } from "@helpdesk/client";

/** What the app knows about who is signed in. */
export type SessionState =
  | { status: "restoring" }
  | { status: "signedOut"; notice?: "expired" | "signedOut" }
  | { status: "signedIn"; user: User };

/** A tiny observable store of the SessionState, read by React through useSyncExternalStore. */
export class SessionStore {
  private state: SessionState;
  private readonly listeners = new Set<() => void>();

  constructor(initial: SessionState) {
    this.state = initial;
  }

  get = (): SessionState => this.state;

  set(state: SessionState): void {
    this.state = state;
    for (const listener of this.listeners) {
      listener();
    }
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

/** Where the refresh token survives a page reload (sessionStorage in the browser). */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const REFRESH_TOKEN_KEY = "helpdesk.refreshToken";

/**
 * Keeps only the refresh token, tagged with this tab's id: the access token lives in memory and is
 * re-issued on reload. The tag matters because browsers copy sessionStorage into tabs opened from
 * this one; two tabs spending one single-use refresh token would make the server revoke the session.
 */
export function persistRefreshToken(storage: TokenStorage, tokens: Tokens | undefined, tabId: string): void {
  if (tokens === undefined) {
    storage.removeItem(REFRESH_TOKEN_KEY);
  } else {
    storage.setItem(REFRESH_TOKEN_KEY, JSON.stringify({ tab: tabId, token: tokens.refreshToken }));
  }
}

/** The refresh token this tab kept, if any (a copy inherited from another tab is ignored). */
export function storedRefreshToken(storage: TokenStorage, tabId: string): string | undefined {
  try {
    const kept: unknown = JSON.parse(storage.getItem(REFRESH_TOKEN_KEY) ?? "null");
    if (typeof kept === "object" && kept !== null && "tab" in kept && "token" in kept) {
      return kept.tab === tabId && typeof kept.token === "string" ? kept.token : undefined;
    }
  } catch {
    // Not ours: treated as absent.
  }
  return undefined;
}

/** The part of @helpdesk/client's Session the scheduler drives. */
export interface Refreshable {
  readonly tokens: Tokens | undefined;
  refresh(reason: RefreshReason, stale?: Tokens): Promise<void>;
}

export interface SchedulerOptions {
  now?: () => number;
  setTimer?: (run: () => void, delayMs: number) => unknown;
  clearTimer?: (timer: unknown) => void;
  /** Wait before trying again after a refresh that failed without ending the session (offline). */
  retryMs?: number;
}

/**
 * Refreshes the access token at the session's `refreshAt`, so that calls never wait on a refresh.
 * A refused refresh clears the session (the client does that); a failed one (network) is retried.
 */
export class RefreshScheduler {
  private timer: unknown;
  private readonly now: () => number;
  private readonly setTimer: (run: () => void, delayMs: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;
  private readonly retryMs: number;

  constructor(
    private readonly session: Refreshable,
    options: SchedulerOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? ((run, delay) => setTimeout(run, delay));
    this.clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
    this.retryMs = options.retryMs ?? 15_000;
  }

  /** Plans the next refresh for these tokens (call whenever the tokens change). */
  update(tokens: Tokens | undefined): void {
    this.stop();
    if (tokens?.refreshAt === undefined) {
      return;
    }
    this.plan(tokens, Math.max(tokens.refreshAt - this.now(), 0));
  }

  /** Cancels the planned refresh. */
  stop(): void {
    if (this.timer !== undefined) {
      this.clearTimer(this.timer);
      this.timer = undefined;
    }
  }

  private plan(tokens: Tokens, delayMs: number): void {
    this.timer = this.setTimer(() => {
      this.timer = undefined;
      void this.run(tokens);
    }, delayMs);
  }

  private async run(tokens: Tokens): Promise<void> {
    if (this.session.tokens !== tokens) {
      return; // replaced meanwhile: update() has planned for the new pair
    }
    try {
      await this.session.refresh("expiring", tokens);
    } catch {
      // Still the same pair (e.g. offline): try again later, unless it has expired for good.
      const expired = tokens.accessExpiresAt !== undefined && this.now() >= tokens.accessExpiresAt;
      if (this.session.tokens === tokens && !expired) {
        this.plan(tokens, this.retryMs);
      }
    }
  }
}

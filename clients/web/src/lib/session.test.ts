import type { RefreshReason, Tokens } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import { persistRefreshToken, RefreshScheduler, storedRefreshToken, type Refreshable, type TokenStorage } from "./session";

function tokens(refreshAt: number, accessExpiresAt = refreshAt + 60_000, refreshToken = "r1"): Tokens {
  return { accessToken: "a", refreshToken, refreshAt, accessExpiresAt };
}

/** Fake timers: run() fires everything due up to `at`. */
class Clock {
  time = 0;
  timers: { at: number; run: () => void; id: number }[] = [];
  private next = 0;
  setTimer = (run: () => void, delay: number): number => {
    const id = ++this.next;
    this.timers.push({ at: this.time + delay, run, id });
    return id;
  };
  clearTimer = (id: unknown): void => {
    this.timers = this.timers.filter((timer) => timer.id !== id);
  };
  async advance(to: number): Promise<void> {
    this.time = to;
    const due = this.timers.filter((timer) => timer.at <= to);
    this.timers = this.timers.filter((timer) => timer.at > to);
    for (const timer of due) {
      timer.run();
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

class FakeSession implements Refreshable {
  tokens: Tokens | undefined;
  calls: RefreshReason[] = [];
  outcome: "ok" | "offline" | "refused" = "ok";
  constructor(initial: Tokens) {
    this.tokens = initial;
  }
  async refresh(reason: RefreshReason): Promise<void> {
    this.calls.push(reason);
    if (this.outcome === "offline") throw new Error("network");
    if (this.outcome === "refused") {
      this.tokens = undefined;
      throw new Error("unauthenticated");
    }
    this.tokens = tokens(this.tokens!.refreshAt! + 100_000, undefined, "r2");
  }
}

function setup(initial: Tokens) {
  const clock = new Clock();
  const session = new FakeSession(initial);
  const scheduler = new RefreshScheduler(session, {
    now: () => clock.time,
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
    retryMs: 1_000,
  });
  scheduler.update(initial);
  return { clock, session, scheduler };
}

describe("RefreshScheduler", () => {
  it("refreshes at refreshAt, not before", async () => {
    const { clock, session } = setup(tokens(10_000));
    await clock.advance(9_999);
    expect(session.calls).toEqual([]);
    await clock.advance(10_000);
    expect(session.calls).toEqual(["expiring"]);
  });

  it("plans only for the latest tokens", async () => {
    const first = tokens(10_000);
    const { clock, session, scheduler } = setup(first);
    const second = tokens(50_000, undefined, "r2");
    session.tokens = second;
    scheduler.update(second);
    await clock.advance(20_000);
    expect(session.calls).toEqual([]);
    await clock.advance(50_000);
    expect(session.calls).toEqual(["expiring"]);
  });

  it("retries a failed refresh while the access token is still valid", async () => {
    const { clock, session } = setup(tokens(10_000, 12_500));
    session.outcome = "offline";
    await clock.advance(10_000);
    await clock.advance(11_000);
    await clock.advance(12_000);
    expect(session.calls).toHaveLength(3);
    await clock.advance(13_000); // planned while still valid
    expect(session.calls).toHaveLength(4);
    await clock.advance(20_000);
    await clock.advance(40_000);
    expect(session.calls).toHaveLength(4); // expired: the next call's own refresh decides
  });

  it("stops after a refused refresh ended the session", async () => {
    const { clock, session } = setup(tokens(10_000));
    session.outcome = "refused";
    await clock.advance(10_000);
    await clock.advance(30_000);
    expect(session.calls).toHaveLength(1);
    expect(clock.timers).toHaveLength(0);
  });

  it("does nothing when signed out", () => {
    const clock = new Clock();
    const session = new FakeSession(tokens(1));
    new RefreshScheduler(session, { setTimer: clock.setTimer, clearTimer: clock.clearTimer }).update(undefined);
    expect(clock.timers).toHaveLength(0);
  });
});

function memoryStorage(): TokenStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key),
  };
}

describe("refresh token storage", () => {
  it("keeps the refresh token only, and forgets it on sign-out", () => {
    const storage = memoryStorage();
    persistRefreshToken(storage, tokens(1, 2, "secret-refresh"), "tab-1");
    expect(storedRefreshToken(storage, "tab-1")).toBe("secret-refresh");
    expect([...storage.map.values()].join()).not.toContain('"a"');
    persistRefreshToken(storage, undefined, "tab-1");
    expect(storedRefreshToken(storage, "tab-1")).toBeUndefined();
  });

  it("ignores a token copied from another tab (single-use tokens must not be spent twice)", () => {
    const storage = memoryStorage();
    persistRefreshToken(storage, tokens(1, 2, "secret-refresh"), "tab-1");
    expect(storedRefreshToken(storage, "tab-2")).toBeUndefined();
  });

  it("treats malformed storage as no session", () => {
    const storage = memoryStorage();
    storage.setItem("helpdesk.refreshToken", "not json");
    expect(storedRefreshToken(storage, "tab-1")).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import {
  backoffMs,
  discard,
  enqueue,
  fail,
  markSending,
  nextStep,
  reconcile,
  restore,
  retryNow,
  retryWaiting,
  settle,
  type Outbox,
  type SendFailure,
} from "./outbox";

const offline: SendFailure = { kind: "offline", transient: true };
const ended: SendFailure = { kind: "chatEnded", transient: false };

function twoQueued(): Outbox {
  return enqueue(enqueue([], "a", "first"), "b", "second");
}

describe("outbox state machine", () => {
  it("sends the oldest message first and only one at a time", () => {
    let outbox = twoQueued();
    const step = nextStep(outbox, 0);
    expect(step).toMatchObject({ kind: "send", entry: { requestId: "a" } });
    outbox = markSending(outbox, "a");
    expect(nextStep(outbox, 0)).toEqual({ kind: "idle" });
    outbox = settle(outbox, "a");
    expect(nextStep(outbox, 0)).toMatchObject({ kind: "send", entry: { requestId: "b", body: "second" } });
  });

  it("keeps the request_id and text across a transient failure and retries after a backoff", () => {
    let outbox = markSending(twoQueued(), "a");
    outbox = fail(outbox, "a", offline, 1_000);
    expect(outbox[0]).toMatchObject({ requestId: "a", body: "first", state: "waiting", failures: 1 });
    expect(nextStep(outbox, 1_500)).toEqual({ kind: "wait", until: 2_000 });
    // The later message does not overtake the waiting one.
    expect(nextStep(outbox, 1_999)).toMatchObject({ kind: "wait" });
    expect(nextStep(outbox, 2_000)).toMatchObject({ kind: "send", entry: { requestId: "a" } });
  });

  it("backs off exponentially, capped, and honours the server's RetryInfo", () => {
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => backoffMs(n))).toEqual([1000, 2000, 4000, 8000, 15000, 15000, 15000]);
    expect(backoffMs(1, 5_000)).toBe(5_000);
    const outbox = fail(markSending(twoQueued(), "a"), "a", { kind: "rateLimited", transient: true, retryDelayMs: 3_000 }, 0);
    expect(outbox[0]?.retryAt).toBe(3_000);
  });

  it("stops on a permanent failure until the user retries or discards", () => {
    let outbox = fail(markSending(twoQueued(), "a"), "a", ended, 0);
    expect(outbox[0]).toMatchObject({ state: "failed", failure: ended });
    expect(nextStep(outbox, 1e12)).toEqual({ kind: "idle" });
    expect(nextStep(retryNow(outbox, "a"), 0)).toMatchObject({ kind: "send", entry: { requestId: "a" } });
    outbox = discard(outbox, "a");
    expect(nextStep(outbox, 0)).toMatchObject({ kind: "send", entry: { requestId: "b" } });
  });

  it("retries every waiting message at once when the connection comes back", () => {
    const outbox = fail(markSending(twoQueued(), "a"), "a", offline, 0);
    const back = retryWaiting(outbox);
    expect(back[0]).toMatchObject({ state: "queued", retryAt: 0, failures: 1 });
    expect(retryWaiting(back)).toBe(back);
  });

  it("drops a message the stream delivered even though its answer was lost", () => {
    const outbox = markSending(twoQueued(), "a");
    expect(reconcile(outbox, new Set(["a"])).map((e) => e.requestId)).toEqual(["b"]);
    expect(reconcile(outbox, new Set(["zzz"]))).toBe(outbox);
  });

  it("never discards a message while it is in flight", () => {
    const outbox = markSending(twoQueued(), "a");
    expect(discard(outbox, "a")).toBe(outbox);
  });

  it("after a reload, re-queues what was in flight or waiting, and keeps refused messages for the user", () => {
    expect(restore(markSending(twoQueued(), "a")).map((e) => e.state)).toEqual(["queued", "queued"]);
    const waiting = fail(markSending(twoQueued(), "a"), "a", offline, 0);
    expect(restore(waiting)[0]).toMatchObject({ state: "queued", retryAt: 0 });
    const refused = fail(markSending(twoQueued(), "a"), "a", ended, 0);
    expect(restore(refused)[0]).toMatchObject({ state: "failed" });
  });

  it("ignores a second enqueue of the same request_id", () => {
    const outbox = twoQueued();
    expect(enqueue(outbox, "a", "again")).toBe(outbox);
  });
});

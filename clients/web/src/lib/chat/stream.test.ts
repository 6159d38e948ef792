import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ChatEventSchema, ChatSchema, ChatStatus, type ChatEvent } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import { EMPTY_TIMELINE, mergeMessages, type ChatTimeline } from "./timeline";
import { ChatStream, type ChatStreamDeps, type ConnectionState } from "./stream";

const messageEvent = (seq: number): ChatEvent =>
  create(ChatEventSchema, { event: { case: "message", value: { seq, body: `m${seq}` } } });
const endedEvent = (): ChatEvent =>
  create(ChatEventSchema, {
    event: { case: "statusChange", value: { chat: create(ChatSchema, { id: "c", status: ChatStatus.ENDED }) } },
  });

/** One scripted StreamChat attempt: events, then an error (or a normal end). */
interface Attempt {
  events: ChatEvent[];
  error?: ConnectError;
}

/** A page's view of the stream: the timeline it merges into and what the stream reported. */
function harness(attempts: Attempt[], overrides: Partial<ChatStreamDeps> = {}) {
  let timeline: ChatTimeline = EMPTY_TIMELINE;
  const opened: number[] = [];
  const states: ConnectionState[] = [];
  const deps: ChatStreamDeps = {
    open(afterSeq, _signal, onOpen) {
      opened.push(afterSeq);
      const attempt = attempts.shift() ?? { events: [], error: new ConnectError("gone", Code.NotFound) };
      return (async function* () {
        onOpen();
        for (const event of attempt.events) {
          // The server replays only what is after `afterSeq`.
          if (event.event.case === "message" && event.event.value.seq <= afterSeq) {
            continue;
          }
          yield event;
        }
        if (attempt.error) {
          throw attempt.error;
        }
      })();
    },
    cursor: () => timeline.contiguousSeq,
    onEvent(event) {
      if (event.event.case === "message") {
        timeline = mergeMessages(timeline, [event.event.value]);
      }
    },
    onState: (state) => states.push(state),
    hasEnded: async () => true,
    refreshSession: async () => true,
    isOnline: () => true,
    ...overrides,
  };
  return { stream: new ChatStream(deps), opened, states, timeline: () => timeline };
}

describe("ChatStream", () => {
  it("resumes after the last held seq when the connection drops, and ends up with each message once", async () => {
    const page = harness([
      { events: [messageEvent(1), messageEvent(2)], error: new ConnectError("network", Code.Unavailable) },
      // The server replays from after_seq: 3 and 4 were sent while the page was disconnected.
      { events: [messageEvent(1), messageEvent(2), messageEvent(3), messageEvent(4), endedEvent()] },
    ]);
    await page.stream.start();
    expect(page.opened).toEqual([0, 2]);
    expect(page.timeline().messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(page.states).toEqual(["connecting", "live", "reconnecting", "live", "ended"]);
  });

  it("reconnects when a stream completes although the chat has not ended", async () => {
    const page = harness([{ events: [messageEvent(1)] }, { events: [messageEvent(2), endedEvent()] }], {
      hasEnded: async () => page.opened.length > 1,
    });
    await page.stream.start();
    expect(page.opened).toEqual([0, 1]);
    expect(page.states.at(-1)).toBe("ended");
  });

  it("gives up on errors reconnecting cannot fix", async () => {
    const page = harness([{ events: [], error: new ConnectError("no such chat", Code.NotFound) }]);
    await page.stream.start();
    expect(page.opened).toEqual([0]);
    expect(page.states.at(-1)).toBe("failed");
  });

  it("refreshes the session once when the access token expired mid-stream, then resumes", async () => {
    let refreshes = 0;
    const page = harness(
      [
        { events: [messageEvent(1)], error: new ConnectError("expired", Code.Unauthenticated) },
        { events: [messageEvent(2), endedEvent()] },
      ],
      { refreshSession: async () => (refreshes += 1) > 0 },
    );
    await page.stream.start();
    expect(refreshes).toBe(1);
    expect(page.opened).toEqual([0, 1]);
    expect(page.timeline().messages.map((m) => m.seq)).toEqual([1, 2]);
  });

  it("reconnects at once when woken instead of waiting out its backoff", async () => {
    const page = harness(
      [
        { events: [], error: new ConnectError("down", Code.Unavailable) },
        { events: [], error: new ConnectError("down", Code.Unavailable) },
        { events: [], error: new ConnectError("down", Code.Unavailable) },
        { events: [], error: new ConnectError("down", Code.Unavailable) },
        { events: [messageEvent(1), endedEvent()] },
      ],
      { isOnline: () => false },
    );
    const started = Date.now();
    const done = page.stream.start();
    const wake = setInterval(() => page.stream.reconnectNow(), 20);
    await done;
    clearInterval(wake);
    expect(page.opened).toHaveLength(5);
    expect(Date.now() - started).toBeLessThan(2_000); // offline, each pause would be 8 s unwoken
  });

  it("stops for good on stop(), even while waiting to reconnect", async () => {
    const page = harness([{ events: [], error: new ConnectError("down", Code.Unavailable) }]);
    const done = page.stream.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(page.states.at(-1)).toBe("reconnecting"); // the first stream broke: waiting to retry
    page.stream.stop();
    await done;
    expect(page.opened).toEqual([0]);
  });
});

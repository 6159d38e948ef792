import { create } from "@bufbuild/protobuf";
import { ChatMessageSchema, type ChatMessage } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import { deliveredRequestIds, EMPTY_TIMELINE, mergeMessages } from "./timeline";

function message(seq: number, body = `message ${seq}`, requestId = ""): ChatMessage {
  return create(ChatMessageSchema, { id: `id-${seq}`, seq, body, requestId });
}

const seqs = (messages: readonly ChatMessage[]): number[] => messages.map((m) => m.seq);

describe("mergeMessages", () => {
  it("appends streamed messages in order and advances the resume cursor", () => {
    const timeline = mergeMessages(EMPTY_TIMELINE, [message(1), message(2), message(3)]);
    expect(seqs(timeline.messages)).toEqual([1, 2, 3]);
    expect(timeline.contiguousSeq).toBe(3);
  });

  it("keeps each seq once when a resumed stream replays what was already held", () => {
    const before = mergeMessages(EMPTY_TIMELINE, [message(1), message(2)]);
    const after = mergeMessages(before, [message(2, "replayed copy"), message(3)]);
    expect(seqs(after.messages)).toEqual([1, 2, 3]);
    expect(after.messages[1]?.body).toBe("message 2");
  });

  it("returns the same object when nothing is new, so nothing re-renders", () => {
    const timeline = mergeMessages(EMPTY_TIMELINE, [message(1), message(2)]);
    expect(mergeMessages(timeline, [message(1), message(2)])).toBe(timeline);
    expect(mergeMessages(timeline, [])).toBe(timeline);
  });

  it("inserts a message that arrives out of order at its place", () => {
    const timeline = mergeMessages(EMPTY_TIMELINE, [message(1), message(4), message(2)]);
    expect(seqs(timeline.messages)).toEqual([1, 2, 4]);
    expect(seqs(mergeMessages(timeline, [message(3)]).messages)).toEqual([1, 2, 3, 4]);
  });

  it("does not move the resume cursor past a gap (our send's answer overtaking the stream)", () => {
    // The stream delivered 1-3; the answer to our own send says 5; the agent's 4 is still on its way.
    const streamed = mergeMessages(EMPTY_TIMELINE, [message(1), message(2), message(3)]);
    const withOwn = mergeMessages(streamed, [message(5, "mine", "req-5")]);
    expect(withOwn.contiguousSeq).toBe(3); // a reconnect now replays 4 (and 5, dropped as a duplicate)
    const filled = mergeMessages(withOwn, [message(4), message(5, "mine", "req-5")]);
    expect(seqs(filled.messages)).toEqual([1, 2, 3, 4, 5]);
    expect(filled.contiguousSeq).toBe(5);
  });

  it("ignores entries without a committed seq", () => {
    expect(mergeMessages(EMPTY_TIMELINE, [message(0)])).toBe(EMPTY_TIMELINE);
  });
});

describe("deliveredRequestIds", () => {
  it("lists the request ids the server echoed on our own messages", () => {
    const timeline = mergeMessages(EMPTY_TIMELINE, [message(1, "hi", "req-a"), message(2), message(3, "x", "req-b")]);
    expect([...deliveredRequestIds(timeline)].sort()).toEqual(["req-a", "req-b"]);
  });
});

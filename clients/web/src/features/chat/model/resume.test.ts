import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ChatSchema, ChatStatus } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import { chatToResume, RATE_WINDOW_MS } from "./resume";

const NOW = 1_800_000_000_000;

describe("chatToResume", () => {
  it("opens a waiting or active chat", () => {
    expect(chatToResume(create(ChatSchema, { id: "w", status: ChatStatus.WAITING }), NOW)).toBe("w");
    expect(chatToResume(create(ChatSchema, { id: "a", status: ChatStatus.ACTIVE }), NOW)).toBe("a");
  });

  it("offers a recently ended, unrated chat for rating, and nothing older or rated", () => {
    const ended = (msAgo: number, rating = 0) =>
      create(ChatSchema, { id: "e", status: ChatStatus.ENDED, rating, endTime: timestampFromMs(NOW - msAgo) });
    expect(chatToResume(ended(60_000), NOW)).toBe("e");
    expect(chatToResume(ended(60_000, 4), NOW)).toBeUndefined();
    expect(chatToResume(ended(RATE_WINDOW_MS + 1), NOW)).toBeUndefined();
  });

  it("starts fresh when the customer never chatted", () => {
    expect(chatToResume(null, NOW)).toBeUndefined();
  });
});

import { create } from "@bufbuild/protobuf";
import { ChatMessageSchema } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import { readTarget } from "./read";

const message = (seq: number, senderId: string) => create(ChatMessageSchema, { seq, senderId, body: `m${seq}` });

describe("readTarget", () => {
  it("marks up to the newest message once the agent wrote something unread", () => {
    expect(readTarget([message(1, "me"), message(2, "agent"), message(3, "me")], "me", 0)).toBe(3);
  });

  it("sends nothing when only the customer's own messages are new", () => {
    expect(readTarget([message(1, "agent"), message(2, "me"), message(3, "me")], "me", 1)).toBeUndefined();
  });

  it("sends nothing when everything from others was already marked read", () => {
    expect(readTarget([message(1, "agent"), message(2, "agent")], "me", 2)).toBeUndefined();
    expect(readTarget([], "me", 0)).toBeUndefined();
  });
});

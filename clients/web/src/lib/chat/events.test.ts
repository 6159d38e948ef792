import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ChatEventSchema, ChatSchema, ChatStatus, TypingIndicatorSchema, type Chat } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import { applyEventToChat, applyTyping, clearTypingOnMessage, newerChat } from "./events";

const waiting = (): Chat =>
  create(ChatSchema, { id: "c", status: ChatStatus.WAITING, customerId: "me", queuePosition: 2, lastSeq: 1 });

describe("applyEventToChat", () => {
  it("takes the agent from an ACTIVE status change", () => {
    const accepted = create(ChatSchema, { id: "c", status: ChatStatus.ACTIVE, customerId: "me", agentId: "ana", agentDisplayName: "Ana" });
    const event = create(ChatEventSchema, { event: { case: "statusChange", value: { chat: accepted } } });
    expect(applyEventToChat(waiting(), event)).toMatchObject({ status: ChatStatus.ACTIVE, agentDisplayName: "Ana", lastSeq: 1 });
  });

  it("raises the agent's read receipt, never lowers it", () => {
    const chat = { ...waiting(), status: ChatStatus.ACTIVE, agentId: "ana", agentLastReadSeq: 3 };
    const read = (seq: number) =>
      create(ChatEventSchema, { event: { case: "readReceipt", value: { userId: "ana", lastReadSeq: seq } } });
    expect(applyEventToChat(chat, read(5)).agentLastReadSeq).toBe(5);
    expect(applyEventToChat(chat, read(2))).toBe(chat);
  });
});

describe("newerChat", () => {
  it("never moves a chat's status backwards when an older answer arrives late", () => {
    const ended = { ...waiting(), status: ChatStatus.ENDED, queuePosition: 0 };
    expect(newerChat(ended, waiting()).status).toBe(ChatStatus.ENDED);
    expect(newerChat(waiting(), ended).status).toBe(ChatStatus.ENDED);
  });

  it("takes a fresh queue position while still waiting", () => {
    expect(newerChat(waiting(), { ...waiting(), queuePosition: 1 }).queuePosition).toBe(1);
  });
});

describe("typing", () => {
  const typing = (userId: string, on: boolean, expireMs?: number) =>
    create(TypingIndicatorSchema, {
      userId,
      displayName: "Ana",
      typing: on,
      expireTime: expireMs === undefined ? undefined : timestampFromMs(expireMs),
    });

  it("shows the other participant until the server's expiry", () => {
    expect(applyTyping(undefined, typing("ana", true, 5_000), "me", 1_000)).toEqual({ userId: "ana", displayName: "Ana", until: 5_000 });
  });

  it("ignores the viewer's own indicator and clears on typing=false or their message", () => {
    const shown = applyTyping(undefined, typing("ana", true, 5_000), "me", 0);
    expect(applyTyping(undefined, typing("me", true, 5_000), "me", 0)).toBeUndefined();
    expect(applyTyping(shown, typing("ana", false), "me", 0)).toBeUndefined();
    expect(clearTypingOnMessage(shown, "ana")).toBeUndefined();
    expect(clearTypingOnMessage(shown, "me")).toBe(shown);
  });

  it("caps an expiry far in the future (a skewed clock) by its own timeout", () => {
    expect(applyTyping(undefined, typing("ana", true, 10_000_000), "me", 0)?.until).toBe(6_000);
  });
});

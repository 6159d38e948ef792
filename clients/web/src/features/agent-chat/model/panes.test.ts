import { create } from "@bufbuild/protobuf";
import { ChatMessageSchema, ChatSchema } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import { EMPTY_TIMELINE, mergeMessages } from "@/lib/chat/timeline";
import { closeChat, newlyMine, openChat, paneSlots, shownPanes, unreadCount, type OpenChats } from "./panes";

const opened = (...ids: string[]): OpenChats => ids.reduce<OpenChats>((open, id) => openChat(open, id), []);
const idsOf = (open: OpenChats): string[] => open.map((entry) => entry.id);

describe("open chats", () => {
  it("opens a chat once, at the end", () => {
    expect(idsOf(opened("a", "b", "a"))).toEqual(["a", "b"]);
    const open = opened("a", "b");
    expect(openChat(open, "b")).toBe(open);
  });

  it("closes a chat's pane", () => {
    expect(idsOf(closeChat(opened("a", "b"), "a"))).toEqual(["b"]);
    const open = opened("a");
    expect(closeChat(open, "z")).toBe(open);
  });

  it("shows the most recently focused chats, in the order they were opened", () => {
    const open = opened("a", "b", "c");
    expect(shownPanes(open, 2)).toEqual(["b", "c"]);
    // Focusing b again moves nothing on screen.
    expect(shownPanes(openChat(open, "b"), 2)).toEqual(["b", "c"]);
    // Focusing a brings it back in place of the least recently focused (b).
    expect(shownPanes(openChat(openChat(open, "b"), "a"), 2)).toEqual(["a", "b"]);
    expect(shownPanes(open, 0)).toEqual([]);
  });

  it("fits one pane on a narrow area, up to three on a wide one", () => {
    expect(paneSlots(600)).toBe(1);
    expect(paneSlots(900)).toBe(2);
    expect(paneSlots(1600)).toBe(3);
  });

  it("counts the customer's unread messages from the timeline, or from the last seq without one", () => {
    const message = (seq: number, senderId: string) => create(ChatMessageSchema, { seq, senderId });
    const chat = create(ChatSchema, { id: "c", lastSeq: 4, agentLastReadSeq: 1 });
    const timeline = mergeMessages(EMPTY_TIMELINE, [message(1, "cu"), message(2, "cu"), message(3, "me"), message(4, "cu")]);
    expect(unreadCount(chat, timeline, "me")).toBe(2);
    expect(unreadCount(chat, undefined, "me")).toBe(3);
    // A timeline still missing messages is not trusted.
    expect(unreadCount(chat, mergeMessages(EMPTY_TIMELINE, [message(1, "cu")]), "me")).toBe(3);
    expect(unreadCount({ ...chat, agentLastReadSeq: 9 }, undefined, "me")).toBe(0);
  });
});

describe("newlyMine", () => {
  const chat = (id: string) => create(ChatSchema, { id });

  it("names the chats the agent's list gained, in the list's order", () => {
    expect(newlyMine([chat("a")], [chat("a"), chat("c"), chat("b")])).toEqual(["c", "b"]);
    expect(newlyMine([chat("a"), chat("b")], [chat("b")])).toEqual([]);
  });

  it("names none when there was no list before (the console just opened)", () => {
    expect(newlyMine(undefined, [chat("a")])).toEqual([]);
  });
});

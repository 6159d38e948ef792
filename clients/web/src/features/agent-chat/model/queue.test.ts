import { create } from "@bufbuild/protobuf";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { ChatSchema, ChatStatus, QueueEventSchema, type Chat, type QueueEvent } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import { applyQueueEvent, arrivals, EMPTY_QUEUE, expireRows, nextExpiry, TAKEN_VISIBLE_MS, waitingChats, wasTaken } from "./queue";

const chat = (id: string, extra: MessageInitShape<typeof ChatSchema> = {}): Chat =>
  create(ChatSchema, { id, status: ChatStatus.WAITING, customerDisplayName: `Customer ${id}`, ...extra });
const snapshot = (...chats: Chat[]): QueueEvent => create(QueueEventSchema, { event: { case: "snapshot", value: { chats } } });
const added = (value: Chat): QueueEvent => create(QueueEventSchema, { event: { case: "chatAdded", value } });
const removed = (value: Chat): QueueEvent => create(QueueEventSchema, { event: { case: "chatRemoved", value } });
const ids = (chats: readonly Chat[]): string[] => chats.map((entry) => entry.id);

describe("applyQueueEvent", () => {
  it("starts from the snapshot, then adds and removes chats", () => {
    let state = applyQueueEvent(EMPTY_QUEUE, snapshot(chat("a"), chat("b")), 0);
    expect(state.loaded).toBe(true);
    state = applyQueueEvent(state, added(chat("c")), 0);
    expect(ids(waitingChats(state))).toEqual(["a", "b", "c"]);
    state = applyQueueEvent(state, removed(chat("a", { status: ChatStatus.ENDED })), 0);
    expect(ids(waitingChats(state))).toEqual(["b", "c"]);
  });

  it("ignores a chat added twice (a replayed event)", () => {
    const state = applyQueueEvent(EMPTY_QUEUE, snapshot(chat("a")), 0);
    expect(applyQueueEvent(state, added(chat("a")), 0)).toBe(state);
  });

  it("keeps a taken chat for a few seconds with who took it, then drops it", () => {
    let state = applyQueueEvent(EMPTY_QUEUE, snapshot(chat("a")), 1_000);
    const taken = chat("a", { status: ChatStatus.ACTIVE, agentId: "ana", agentDisplayName: "Ana" });
    state = applyQueueEvent(state, removed(taken), 1_000);
    expect(waitingChats(state)).toEqual([]);
    expect(state.rows[0]?.left?.agentDisplayName).toBe("Ana");
    expect(wasTaken(taken)).toBe(true);
    expect(nextExpiry(state)).toBe(1_000 + TAKEN_VISIBLE_MS);
    expect(expireRows(state, 1_000 + TAKEN_VISIBLE_MS - 1)).toBe(state);
    expect(expireRows(state, 1_000 + TAKEN_VISIBLE_MS).rows).toEqual([]);
  });

  it("replaces the list with a fresh snapshot but lets leaving rows finish", () => {
    let state = applyQueueEvent(EMPTY_QUEUE, snapshot(chat("a"), chat("b")), 0);
    state = applyQueueEvent(state, removed(chat("a", { status: ChatStatus.ACTIVE, agentId: "ana" })), 0);
    state = applyQueueEvent(state, snapshot(chat("c")), 10);
    expect(ids(waitingChats(state))).toEqual(["c"]);
    expect(state.rows.map((row) => row.chat.id)).toEqual(["c", "a"]);
  });

  it("a chat ended while waiting was not taken", () => {
    expect(wasTaken(chat("a", { status: ChatStatus.ENDED }))).toBe(false);
  });
});

describe("arrivals", () => {
  it("reports nothing for the first snapshot, then only new chats", () => {
    expect(arrivals(undefined, [chat("a")])).toEqual([]);
    expect(arrivals([chat("a")], [chat("a"), chat("b")])).toEqual(["b"]);
    expect(arrivals([chat("a"), chat("b")], [chat("b")])).toEqual([]);
  });
});

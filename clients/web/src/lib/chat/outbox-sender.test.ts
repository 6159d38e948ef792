import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ChatMessageSchema, type ChatMessage } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import type { OutboxEntry } from "./outbox";
import { OutboxSender } from "./outbox-sender";

/** A SendChatMessage stand-in that stores by request_id like the server, failing while `down`. */
class FakeServer {
  down = false;
  calls: string[] = [];
  stored = new Map<string, ChatMessage>();
  async send(entry: OutboxEntry): Promise<ChatMessage> {
    this.calls.push(entry.requestId);
    await Promise.resolve();
    if (this.down) {
      throw new ConnectError("fetch failed", Code.Unavailable);
    }
    const known = this.stored.get(entry.requestId);
    if (known) {
      return known;
    }
    const message = create(ChatMessageSchema, { seq: this.stored.size + 1, body: entry.body, requestId: entry.requestId });
    this.stored.set(entry.requestId, message);
    return message;
  }
}

class MemoryStorage {
  items = new Map<string, string>();
  getItem = (key: string): string | null => this.items.get(key) ?? null;
  setItem = (key: string, value: string): void => void this.items.set(key, value);
  removeItem = (key: string): void => void this.items.delete(key);
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

function sender(server: FakeServer, storage = new MemoryStorage(), received: ChatMessage[] = []) {
  let n = 0;
  return new OutboxSender("chat-1", {
    send: (entry) => server.send(entry),
    onSent: (message) => received.push(message),
    storage,
    newRequestId: () => `req-${(n += 1)}`,
  });
}

describe("OutboxSender", () => {
  it("sends messages in the order typed and empties the outbox", async () => {
    const server = new FakeServer();
    const received: ChatMessage[] = [];
    const outbox = sender(server, new MemoryStorage(), received);
    outbox.open();
    outbox.add("one");
    outbox.add("two");
    await settled();
    await settled();
    expect(received.map((m) => m.body)).toEqual(["one", "two"]);
    expect(outbox.snapshot()).toEqual([]);
  });

  it("keeps what was typed while offline and sends it once, with the same request_id, when back", async () => {
    const server = new FakeServer();
    server.down = true;
    const outbox = sender(server);
    outbox.open();
    outbox.add("typed offline");
    await settled();
    expect(outbox.snapshot()[0]).toMatchObject({ state: "waiting", body: "typed offline" });
    server.down = false;
    outbox.retryWaiting(); // the `online` event
    await settled();
    expect(outbox.snapshot()).toEqual([]);
    expect(server.calls).toEqual(["req-1", "req-1"]);
    expect(server.stored.size).toBe(1);
    outbox.close();
  });

  it("survives a reload: the stored outbox is sent by the next page with the original request_id", async () => {
    const server = new FakeServer();
    server.down = true;
    const storage = new MemoryStorage();
    const first = sender(server, storage);
    first.open();
    first.add("before reload");
    await settled();
    first.close();
    server.down = false;
    const second = sender(server, storage);
    expect(second.snapshot().map((e) => e.body)).toEqual(["before reload"]);
    second.open();
    await settled();
    expect(second.snapshot()).toEqual([]);
    expect([...server.stored.keys()]).toEqual(["req-1"]);
    expect(storage.items.size).toBe(0);
  });

  it("holds a refused message for the user instead of retrying it forever", async () => {
    const outbox = new OutboxSender("chat-1", {
      send: async () => {
        throw new ConnectError("chat ended", Code.FailedPrecondition);
      },
      onSent: () => undefined,
      newRequestId: () => "req-x",
    });
    outbox.open();
    outbox.add("too late");
    await settled();
    expect(outbox.snapshot()[0]).toMatchObject({ state: "failed", failure: { transient: false } });
    outbox.discard("req-x");
    expect(outbox.snapshot()).toEqual([]);
  });

  it("forgets a message the stream already delivered", async () => {
    const server = new FakeServer();
    server.down = true;
    const outbox = sender(server);
    outbox.open();
    outbox.add("answer lost");
    await settled();
    outbox.reconcile(new Set(["req-1"]));
    expect(outbox.snapshot()).toEqual([]);
    outbox.close();
  });
});

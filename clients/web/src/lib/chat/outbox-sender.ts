// Sends a chat's outbox (model/outbox.ts) one message at a time and keeps it in sessionStorage, so
// a message typed while the connection is down, or during a reload, is still sent, exactly once.

import type { ChatMessage } from "@helpdesk/client";
import {
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
  type OutboxEntry,
} from "./outbox";
import { classifySendFailure } from "./send-failure";

export interface OutboxSenderDeps {
  /** SendChatMessage with the entry's body and request_id. */
  send(entry: OutboxEntry): Promise<ChatMessage>;
  /** The acknowledged message, for the timeline. */
  onSent(message: ChatMessage): void;
  /** Where the outbox survives a reload (sessionStorage in the browser); undefined: memory only. */
  storage?: Pick<Storage, "getItem" | "setItem" | "removeItem">;
  newRequestId?: () => string;
  now?: () => number;
}

function isEntry(value: unknown): value is OutboxEntry {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const entry = value as Record<string, unknown>;
  return typeof entry.requestId === "string" && typeof entry.body === "string" && typeof entry.state === "string";
}

/** One chat's unsent messages and the loop that delivers them. */
export class OutboxSender {
  private outbox: Outbox;
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = true;
  private readonly now: () => number;
  private readonly key: string;

  constructor(
    readonly chatId: string,
    private readonly deps: OutboxSenderDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.key = `helpdesk.chat.outbox.${chatId}`;
    this.outbox = restore(this.load());
  }

  /** The current entries (a new array after every change, for useSyncExternalStore). */
  readonly snapshot = (): Outbox => this.outbox;

  /** Calls `listener` after every change; returns the unsubscribe function. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Queues a typed message with a fresh request_id (kept for every retry) and sends it when its turn comes. */
  add(body: string): string {
    const requestId = (this.deps.newRequestId ?? (() => crypto.randomUUID()))();
    this.change(enqueue(this.outbox, requestId, body));
    return requestId;
  }

  /** Sends a waiting or failed message again now, with its original request_id. */
  retry(requestId: string): void {
    this.change(retryNow(this.outbox, requestId));
  }

  /** Every message waiting on a network failure goes again now (the connection is back). */
  retryWaiting(): void {
    this.change(retryWaiting(this.outbox));
  }

  /** Forgets an unsent message. */
  discard(requestId: string): void {
    this.change(discard(this.outbox, requestId));
  }

  /** Drops the messages the stream already delivered (their answer was lost). */
  reconcile(delivered: ReadonlySet<string>): void {
    this.change(reconcile(this.outbox, delivered));
  }

  /** Starts (or resumes) delivering. */
  open(): void {
    this.closed = false;
    this.pump();
  }

  /** Stops the timers; what is unsent stays stored, and goes on at the next open(). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private pump(): void {
    clearTimeout(this.timer);
    if (this.closed) {
      return;
    }
    const step = nextStep(this.outbox, this.now());
    if (step.kind === "wait") {
      this.timer = setTimeout(() => this.pump(), step.until - this.now());
    } else if (step.kind === "send") {
      void this.deliver(step.entry);
    }
  }

  private async deliver(entry: OutboxEntry): Promise<void> {
    this.change(markSending(this.outbox, entry.requestId), false);
    try {
      const message = await this.deps.send(entry);
      this.deps.onSent(message);
      this.change(settle(this.outbox, entry.requestId));
    } catch (reason) {
      this.change(fail(this.outbox, entry.requestId, classifySendFailure(reason), this.now()));
    }
  }

  private change(next: Outbox, pump = true): void {
    if (next !== this.outbox) {
      this.outbox = next;
      this.save();
      for (const listener of this.listeners) {
        listener();
      }
    }
    if (pump) {
      this.pump();
    }
  }

  private load(): Outbox {
    try {
      const parsed: unknown = JSON.parse(this.deps.storage?.getItem(this.key) ?? "[]");
      return Array.isArray(parsed) ? parsed.filter(isEntry) : [];
    } catch {
      return [];
    }
  }

  private save(): void {
    try {
      if (this.outbox.length === 0) {
        this.deps.storage?.removeItem(this.key);
      } else {
        this.deps.storage?.setItem(this.key, JSON.stringify(this.outbox));
      }
    } catch {
      // Storage full or disabled: the outbox still works for this page's lifetime.
    }
  }
}

// The waiting queue, live over WatchQueue for as long as the console is open: resumes after any
// drop (each new stream starts with a fresh snapshot) and reports chats that just started waiting.
// The same stream carries the agent's own chats, whole after every (re)connection and change.

import type { Chat, QueueEvent } from "@helpdesk/client";
import { useEffect, useRef, useState } from "react";
import { browserOnline, followInBrowser, refreshSignedInSession } from "@/lib/chat/browser-stream";
import { client } from "@/lib/client";
import { LiveStream, type ConnectionState } from "@/lib/chat/stream";
import { applyQueueEvent, arrivals, EMPTY_QUEUE, expireRows, nextExpiry, waitingChats, type QueueState } from "../model/queue";

export interface LiveQueue {
  queue: QueueState;
  connection: ConnectionState;
}

/**
 * Follows the queue; `onArrivals` gets the ids of chats that started waiting after the first
 * snapshot, `onMine` the agent's whole list of ACTIVE chats whenever it changed (handed over,
 * accepted, ended, a new message from the customer).
 */
export function useQueue(onArrivals: (chatIds: string[]) => void, onMine: (chats: Chat[]) => void): LiveQueue {
  const [queue, setQueue] = useState<QueueState>(EMPTY_QUEUE);
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  // The stream's view of the queue, also trimmed by the expiry timer (so trimmed rows stay gone).
  const current = useRef<QueueState>(EMPTY_QUEUE);
  const onArrivalsRef = useRef(onArrivals);
  const onMineRef = useRef(onMine);
  useEffect(() => {
    onArrivalsRef.current = onArrivals;
    onMineRef.current = onMine;
  });

  useEffect(() => {
    const stream = new LiveStream<QueueEvent>({
      open: (_afterSeq, signal, onOpen) => client.chat.watchQueue({}, { signal, timeoutMs: 0, onHeader: onOpen }),
      cursor: () => 0, // every stream starts with the whole queue
      onEvent: (event) => {
        if (event.event.case === "myChats") {
          onMineRef.current(event.event.value.chats);
          return;
        }
        const before = current.current;
        const next = applyQueueEvent(before, event, Date.now());
        if (next === before) {
          return;
        }
        const fresh = arrivals(before.loaded ? waitingChats(before) : undefined, waitingChats(next));
        current.current = next;
        setQueue(next);
        if (fresh.length > 0) {
          onArrivalsRef.current(fresh);
        }
      },
      isFinal: () => false,
      onState: setConnection,
      hasEnded: () => Promise.resolve(false), // the queue never ends: a completed stream is reopened
      refreshSession: refreshSignedInSession,
      isOnline: browserOnline,
    });
    return followInBrowser(stream);
  }, []);

  // Rows someone else took fade out after a few seconds.
  const expiry = nextExpiry(queue);
  useEffect(() => {
    if (expiry === undefined) {
      return;
    }
    const timer = setTimeout(() => {
      current.current = expireRows(current.current, Date.now());
      setQueue(current.current);
    }, Math.max(expiry - Date.now(), 0) + 50);
    return () => clearTimeout(timer);
  }, [expiry]);

  return { queue, connection };
}

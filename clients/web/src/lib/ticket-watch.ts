// Follows WatchTickets while a page is shown: changes go to the page's handler (which writes them
// into the query cache), a drop resumes from the last cursor (the client's StreamResumer), and a
// stream that gives up (or a cursor too old to resume) starts over from now, after the page has
// reloaded what it shows. Pages never need a reload to stay current.

import { Code } from "@connectrpc/connect";
import { HelpdeskError, TicketChangeKind, type TicketChange, type TicketWatchFilter } from "@helpdesk/client";
import { useEffect, useRef, useState } from "react";
import { client } from "./client";

export type WatchState = "connecting" | "live" | "reconnecting";

export interface TicketWatchHandlers {
  /** A ticket change (never a marker). */
  onChange: (change: TicketChange) => void;
  /**
   * The stream is live: every change since `since` (ms since the epoch, when this stream started
   * from "now") comes through it, so anything read before `since` should be read again.
   */
  onCaughtUp: (since: number) => void;
}

/** Wait before starting over after a stream gave up. */
const RESTART_MS = 2_000;

/** Watches `filter` (compared by value) for as long as the component is mounted and `enabled`. */
export function useTicketWatch(filter: TicketWatchFilter, handlers: TicketWatchHandlers, enabled = true): WatchState {
  const [state, setState] = useState<WatchState>("connecting");
  // Bumped when the browser is back online: a stream waiting out its backoff starts over at once.
  const [generation, setGeneration] = useState(0);
  const handlersRef = useRef(handlers);
  useEffect(() => {
    handlersRef.current = handlers;
  });
  const key = JSON.stringify(filter);

  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    const watched = JSON.parse(key) as TicketWatchFilter;
    const run = async (): Promise<void> => {
      while (!controller.signal.aborted) {
        const since = Date.now();
        try {
          const changes = client.watchTickets(watched, {
            markers: true,
            signal: controller.signal,
            onReconnect: () => setState("reconnecting"),
          });
          for await (const change of changes) {
            if (change.kind === TicketChangeKind.CAUGHT_UP) {
              setState("live");
              handlersRef.current.onCaughtUp(since);
            } else if (change.kind === TicketChangeKind.HEARTBEAT) {
              setState("live");
            } else {
              handlersRef.current.onChange(change);
            }
          }
        } catch (reason) {
          if (controller.signal.aborted) return;
          const failure = HelpdeskError.from(reason);
          // A session that ended is the session's business (the app signs out); nothing to resume.
          if (failure.code === Code.Unauthenticated) return;
          setState("reconnecting");
          await new Promise((resolve) => setTimeout(resolve, RESTART_MS));
        }
      }
    };
    void run();
    const online = (): void => setGeneration((value) => value + 1);
    window.addEventListener("online", online, { once: true });
    return () => {
      window.removeEventListener("online", online);
      controller.abort();
    };
  }, [key, enabled, generation]);

  return state;
}

// Keeps the workspace's list and view counts current over one WatchTickets stream (every ticket
// the agent may see): each change is tested against the list's filters here, so the one stream
// also serves a change of view without reopening.

import type { ListTicketsResponse } from "@helpdesk/client";
import { useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useTicketWatch, type WatchState } from "@/lib/ticket-watch";
import { workspaceKeys } from "../api";
import { applyChange, flattenPages, type ListEffect } from "../live-list";
import { compareTickets, matchesQuery, type TicketQuery } from "../search";

/** How long a ticket that just joined the list stays highlighted. */
const FRESH_MS = 6_000;
/** Counts are re-read once changes pause this long (a burst costs one round of counts). */
const COUNTS_DELAY_MS = 400;

const EVERYTHING = {};

export interface LiveList {
  state: WatchState;
  /** Tickets that joined the list live, for a subtle highlight. */
  fresh: ReadonlySet<string>;
}

export function useLiveList(query: TicketQuery, viewerId: string): LiveList {
  const queryClient = useQueryClient();
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const queryRef = useRef(query);
  useEffect(() => {
    queryRef.current = query;
  });
  const timers = useRef<{ counts?: number; list?: number; fresh: number[] }>({ fresh: [] });
  useEffect(() => {
    const pending = timers.current;
    return () => {
      window.clearTimeout(pending.counts);
      window.clearTimeout(pending.list);
      pending.fresh.forEach((timer) => window.clearTimeout(timer));
    };
  }, []);

  const later = (which: "counts" | "list", action: () => void): void => {
    window.clearTimeout(timers.current[which]);
    timers.current[which] = window.setTimeout(action, COUNTS_DELAY_MS);
  };

  const state = useTicketWatch(EVERYTHING, {
    onChange: (change) => {
      const current = queryRef.current;
      const key = workspaceKeys.list(current);
      let effect = "none" as ListEffect;
      queryClient.setQueryData<InfiniteData<ListTicketsResponse>>(key, (data) => {
        if (data === undefined) return data;
        const rows = flattenPages(data.pages);
        const complete = !data.pages[data.pages.length - 1]?.nextPageToken;
        const result = applyChange(rows, change, {
          matches: (ticket) => matchesQuery(ticket, current, viewerId),
          compare: (a, b) => compareTickets(a, b, current.orderBy),
          complete,
        });
        effect = result.effect;
        if (result.rows === rows) return data;
        // All rows on the first page; later pages keep only their tokens (keyset positions).
        return { ...data, pages: data.pages.map((page, index) => ({ ...page, tickets: index === 0 ? [...result.rows] : [] })) };
      });
      if (effect === "added") {
        setFresh((ids) => new Set(ids).add(change.ticketId));
        timers.current.fresh.push(
          window.setTimeout(() => {
            setFresh((ids) => {
              const next = new Set(ids);
              next.delete(change.ticketId);
              return next;
            });
          }, FRESH_MS),
        );
      } else if (effect === "refetch") {
        later("list", () => void queryClient.invalidateQueries({ queryKey: workspaceKeys.list(queryRef.current) }));
      }
      later("counts", () => void queryClient.invalidateQueries({ queryKey: workspaceKeys.counts }));
    },
    onCaughtUp: (since) => {
      // Anything read before this stream started may have missed changes: read it again.
      const key = workspaceKeys.list(queryRef.current);
      const read = queryClient.getQueryState(key)?.dataUpdatedAt ?? 0;
      if (read < since) void queryClient.invalidateQueries({ queryKey: key });
      void queryClient.invalidateQueries({ queryKey: workspaceKeys.counts, predicate: (q) => q.state.dataUpdatedAt < since });
    },
  });
  return { state, fresh };
}

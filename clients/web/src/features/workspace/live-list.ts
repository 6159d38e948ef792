// A ticket list kept current by WatchTickets changes: pure functions over the loaded rows.

import { timestampDate } from "@bufbuild/protobuf/wkt";
import { TicketChangeKind, type Ticket, type TicketChange } from "@helpdesk/client";

export interface ListContext {
  /** Whether a ticket belongs in the list (see matchesQuery); "unknown" when only the server can tell. */
  matches: (ticket: Ticket) => boolean | "unknown";
  /** The list's order. */
  compare: (a: Ticket, b: Ticket) => number;
  /** Every matching ticket is loaded (no further page), so a new one may go anywhere. */
  complete: boolean;
}

/** What a change did to the list: "refetch" when the list cannot tell without the server. */
export type ListEffect = "added" | "updated" | "removed" | "none" | "refetch";

function updatedAt(ticket: Ticket): number {
  return ticket.updateTime ? timestampDate(ticket.updateTime).getTime() : 0;
}

/** Applies one change to `rows` (a new array when anything changed) and says what it did. */
export function applyChange(rows: readonly Ticket[], change: TicketChange, context: ListContext): { rows: readonly Ticket[]; effect: ListEffect } {
  const index = rows.findIndex((row) => row.id === change.ticketId);
  const present = index >= 0 ? rows[index] : undefined;
  const ticket = change.ticket;
  if (change.kind === TicketChangeKind.DELETED || ticket === undefined) {
    return present ? { rows: rows.filter((row) => row.id !== change.ticketId), effect: "removed" } : { rows, effect: "none" };
  }
  // A list loaded after this change was committed already shows it (or something newer).
  if (present && updatedAt(present) > updatedAt(ticket)) return { rows, effect: "none" };
  const belongs = context.matches(ticket);
  if (belongs === false) {
    return present ? { rows: rows.filter((row) => row.id !== ticket.id), effect: "removed" } : { rows, effect: "none" };
  }
  if (present) {
    const without = rows.filter((row) => row.id !== ticket.id);
    return { rows: insertSorted(without, ticket, context.compare), effect: "updated" };
  }
  if (belongs === "unknown") return { rows, effect: "refetch" };
  const last = rows[rows.length - 1];
  if (!context.complete && last !== undefined && context.compare(ticket, last) > 0) {
    // It sorts after the loaded rows: it will come with a later page.
    return { rows, effect: "none" };
  }
  return { rows: insertSorted(rows, ticket, context.compare), effect: "added" };
}

function insertSorted(rows: readonly Ticket[], ticket: Ticket, compare: (a: Ticket, b: Ticket) => number): Ticket[] {
  const at = rows.findIndex((row) => compare(ticket, row) < 0);
  const next = [...rows];
  next.splice(at < 0 ? rows.length : at, 0, ticket);
  return next;
}

/** Rows of several pages as one list, each ticket once (a live insert may meet its own later page). */
export function flattenPages(pages: readonly { tickets: readonly Ticket[] }[]): Ticket[] {
  const seen = new Set<string>();
  const rows: Ticket[] = [];
  for (const page of pages) {
    for (const ticket of page.tickets) {
      if (!seen.has(ticket.id)) {
        seen.add(ticket.id);
        rows.push(ticket);
      }
    }
  }
  return rows;
}

// The waiting queue as the console holds it, from WatchQueue events: a snapshot replaces the list,
// then chats are added and removed one by one. A chat taken by another agent stays a few seconds
// as "taken by …", so a row never vanishes under the pointer without a word.

import { ChatStatus, type Chat, type QueueEvent } from "@helpdesk/client";

/** How long a chat someone else took stays in the list, greyed out with who took it. */
export const TAKEN_VISIBLE_MS = 6_000;

export interface QueueRow {
  readonly chat: Chat;
  /** Set once the chat left the queue: the chat as it left (accepted: ACTIVE with its agent; or ENDED). */
  readonly left?: Chat;
  /** When the row is dropped (ms since the epoch), once it left. */
  readonly until?: number;
}

export interface QueueState {
  readonly rows: readonly QueueRow[];
  /** Whether a snapshot has arrived (before it, "empty" means "not known yet"). */
  readonly loaded: boolean;
}

export const EMPTY_QUEUE: QueueState = { rows: [], loaded: false };

/** The queue after `event`; the same object when nothing changed. */
export function applyQueueEvent(state: QueueState, event: QueueEvent, now: number): QueueState {
  const value = event.event;
  switch (value.case) {
    case "snapshot": {
      const fresh = value.value.chats;
      const ids = new Set(fresh.map((chat) => chat.id));
      // Rows already leaving stay for their few seconds; the rest is what the server says waits now.
      const leaving = state.rows.filter((row) => row.left !== undefined && !ids.has(row.chat.id));
      return { rows: [...fresh.map((chat) => ({ chat })), ...leaving], loaded: true };
    }
    case "chatAdded": {
      const chat = value.value;
      if (state.rows.some((row) => row.chat.id === chat.id && row.left === undefined)) {
        return state;
      }
      return { ...state, rows: [...state.rows.filter((row) => row.chat.id !== chat.id), { chat }] };
    }
    case "chatRemoved": {
      const left = value.value;
      let changed = false;
      const rows = state.rows.map((row) => {
        if (row.chat.id !== left.id || row.left !== undefined) {
          return row;
        }
        changed = true;
        return { chat: row.chat, left, until: now + TAKEN_VISIBLE_MS };
      });
      return changed ? { ...state, rows } : state;
    }
    default:
      return state;
  }
}

/** Drops the rows whose "taken" moment is over; the same object when none is. */
export function expireRows(state: QueueState, now: number): QueueState {
  const rows = state.rows.filter((row) => row.until === undefined || row.until > now);
  return rows.length === state.rows.length ? state : { ...state, rows };
}

/** The chats still waiting (not taken, not ended). */
export function waitingChats(state: QueueState): Chat[] {
  return state.rows.filter((row) => row.left === undefined).map((row) => row.chat);
}

/** The earliest time a leaving row must be dropped, or undefined. */
export function nextExpiry(state: QueueState): number | undefined {
  let next: number | undefined;
  for (const row of state.rows) {
    if (row.until !== undefined && (next === undefined || row.until < next)) {
      next = row.until;
    }
  }
  return next;
}

/** Whether a chat that left the queue was taken by an agent (rather than ended by its customer). */
export function wasTaken(left: Chat): boolean {
  return left.status === ChatStatus.ACTIVE && left.agentId !== "";
}

/**
 * The ids that started waiting between two lists: what deserves a sound. The first snapshot is
 * not news (it is what the agent sees on arrival), so `before` undefined gives none.
 */
export function arrivals(before: readonly Chat[] | undefined, after: readonly Chat[]): string[] {
  if (before === undefined) {
    return [];
  }
  const known = new Set(before.map((chat) => chat.id));
  return after.filter((chat) => !known.has(chat.id)).map((chat) => chat.id);
}

// Which chats the console shows: the agent opens chats (accepting one opens it); as many as fit
// side by side are shown, the most recently focused, and the others wait in the list.

import type { Chat } from "@helpdesk/client";
import type { ChatTimeline } from "@/lib/chat/timeline";

/** The open chats in the order they were opened, each with when it was last focused. */
export type OpenChats = readonly { readonly id: string; readonly focus: number }[];

/** `chatId` opened (at the end) or focused again (where it is). */
export function openChat(open: OpenChats, chatId: string): OpenChats {
  const top = Math.max(0, ...open.map((entry) => entry.focus));
  const at = open.findIndex((entry) => entry.id === chatId);
  if (at === -1) {
    return [...open, { id: chatId, focus: top + 1 }];
  }
  if (open[at]?.focus === top) {
    return open; // already the most recently focused
  }
  return open.map((entry, index) => (index === at ? { id: chatId, focus: top + 1 } : entry));
}

/**
 * The chats in the agent's new list that the previous one lacked (transferred or assigned to them,
 * or accepted elsewhere by them); none while there was no previous list (the console just opened).
 */
export function newlyMine(before: readonly Chat[] | undefined, after: readonly Chat[]): string[] {
  if (before === undefined) {
    return [];
  }
  const known = new Set(before.map((chat) => chat.id));
  return after.filter((chat) => !known.has(chat.id)).map((chat) => chat.id);
}

/** `chatId` closed (its pane goes; the chat itself goes on). */
export function closeChat(open: OpenChats, chatId: string): OpenChats {
  return open.some((entry) => entry.id === chatId) ? open.filter((entry) => entry.id !== chatId) : open;
}

/**
 * The chats shown as panes: the `slots` most recently focused, left to right in the order they were
 * opened, so that focusing a pane already on screen never moves it.
 */
export function shownPanes(open: OpenChats, slots: number): string[] {
  const recent = new Set(
    [...open]
      .sort((a, b) => b.focus - a.focus)
      .slice(0, Math.max(slots, 0))
      .map((entry) => entry.id),
  );
  return open.filter((entry) => recent.has(entry.id)).map((entry) => entry.id);
}

/** How many panes fit side by side in a main area this wide (px): 1 below ~720 px, up to 3. */
export function paneSlots(width: number): number {
  if (width >= 1500) {
    return 3;
  }
  return width >= 720 ? 2 : 1;
}

/**
 * Messages from others the agent has not marked read yet. Exact from the chat's timeline when the
 * console holds all of it (the chat was open); otherwise counted from the chat's last seq (the
 * console moves the agent's receipt past their own replies, so those are not counted).
 */
export function unreadCount(chat: Chat, timeline: ChatTimeline | undefined, viewerId: string): number {
  const read = chat.agentLastReadSeq;
  if (timeline !== undefined && timeline.contiguousSeq >= chat.lastSeq) {
    return timeline.messages.filter((message) => message.seq > read && message.senderId !== viewerId).length;
  }
  return Math.max(chat.lastSeq - read, 0);
}

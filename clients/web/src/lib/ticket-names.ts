// Ticket statuses, priorities and categories by their URL/i18n names, shared by the customer's
// ticket pages and the agent workspace.

import { TicketPriority, TicketStatus } from "@helpdesk/client";

export const STATUS_NAMES = ["open", "in_progress", "waiting", "resolved", "closed"] as const;
export const PRIORITY_NAMES = ["low", "medium", "high", "urgent"] as const;
export type StatusName = (typeof STATUS_NAMES)[number];
export type PriorityName = (typeof PRIORITY_NAMES)[number];

export const STATUS_BY_NAME: Record<StatusName, TicketStatus> = {
  open: TicketStatus.OPEN,
  in_progress: TicketStatus.IN_PROGRESS,
  waiting: TicketStatus.WAITING_ON_CUSTOMER,
  resolved: TicketStatus.RESOLVED,
  closed: TicketStatus.CLOSED,
};

export const PRIORITY_BY_NAME: Record<PriorityName, TicketPriority> = {
  low: TicketPriority.LOW,
  medium: TicketPriority.MEDIUM,
  high: TicketPriority.HIGH,
  urgent: TicketPriority.URGENT,
};

export const STATUS_NAME: Partial<Record<TicketStatus, StatusName>> = {
  [TicketStatus.OPEN]: "open",
  [TicketStatus.IN_PROGRESS]: "in_progress",
  [TicketStatus.WAITING_ON_CUSTOMER]: "waiting",
  [TicketStatus.RESOLVED]: "resolved",
  [TicketStatus.CLOSED]: "closed",
};

export const PRIORITY_NAME: Partial<Record<TicketPriority, PriorityName>> = {
  [TicketPriority.LOW]: "low",
  [TicketPriority.MEDIUM]: "medium",
  [TicketPriority.HIGH]: "high",
  [TicketPriority.URGENT]: "urgent",
};

/** Ticket categories offered in forms; stored as these keys. */
export const CATEGORIES = ["account", "billing", "technical", "reports", "other"] as const;

/** Known names only, deduplicated, in canonical order; from "a,b" strings or arrays (URL params). */
export function pickNames<T extends string>(raw: unknown, allowed: readonly T[]): T[] | undefined {
  const values = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",") : [];
  const wanted = new Set(values.filter((value): value is string => typeof value === "string").map((value) => value.trim().toLowerCase()));
  const picked = allowed.filter((name) => wanted.has(name));
  return picked.length > 0 ? picked : undefined;
}

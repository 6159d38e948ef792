// How statuses and priorities look: their i18n key and chip tone.
import { TicketPriority, TicketStatus } from "@helpdesk/client";
import type { BadgeTone } from "@/components";
import type { PriorityName, StatusName } from "./search";

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

export const STATUS_TONE: Record<StatusName, BadgeTone> = {
  open: "accent",
  in_progress: "info",
  waiting: "warning",
  resolved: "success",
  closed: "neutral",
};

export const PRIORITY_TONE: Record<PriorityName, BadgeTone> = {
  low: "neutral",
  medium: "neutral",
  high: "warning",
  urgent: "danger",
};

/** Ticket categories offered in the form; stored as these keys. */
export const CATEGORIES = ["account", "billing", "technical", "reports", "other"] as const;

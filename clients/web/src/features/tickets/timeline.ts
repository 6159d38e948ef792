// The status timeline a customer sees, built from the ticket and its public conversation (the
// audit trail, ListTicketEvents, is for staff only).

import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { Role, TicketStatus, type Ticket, type TicketMessage } from "@helpdesk/client";
import type { Translate } from "@/lib/errors";
import { STATUS_NAME } from "./labels";

export interface TimelineEvent {
  key: string;
  label: string;
  time: Timestamp | undefined;
  current?: boolean;
}

/**
 * The status timeline, from what the ticket and its public conversation show (the audit trail,
 * ListTicketEvents, is for staff only): opened, support's replies, resolved, closed, now.
 */
export function buildTimeline(ticket: Ticket, messages: readonly TicketMessage[], t: Translate): TimelineEvent[] {
  const events: TimelineEvent[] = [{ key: "opened", label: t("ticket.event.opened"), time: ticket.createTime }];
  for (const message of messages) {
    if (!message.internal && (message.authorRole === Role.AGENT || message.authorRole === Role.ADMIN)) {
      events.push({ key: message.id, label: t("ticket.event.replied", { name: message.authorDisplayName }), time: message.createTime });
    }
  }
  if (ticket.resolveTime) events.push({ key: "resolved", label: t("ticket.event.resolved"), time: ticket.resolveTime });
  if (ticket.closeTime) events.push({ key: "closed", label: t("ticket.event.closed"), time: ticket.closeTime });
  events.sort((a, b) => Number(a.time?.seconds ?? 0n) - Number(b.time?.seconds ?? 0n));
  const name = STATUS_NAME[ticket.status];
  if (name && ticket.status !== TicketStatus.CLOSED && ticket.status !== TicketStatus.RESOLVED) {
    events.push({ key: "now", label: t("ticket.event.now", { status: t(`status.${name}`) }), time: ticket.updateTime, current: true });
  }
  return events;
}

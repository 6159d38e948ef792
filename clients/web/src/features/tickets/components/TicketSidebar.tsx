import { TicketStatus, type Ticket, type TicketMessage, Role } from "@helpdesk/client";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { useTranslation } from "react-i18next";
import { Card } from "@/components";
import { cx } from "@/lib/cx";
import { formatDateTime } from "@/lib/format";
import { STATUS_NAME } from "../labels";
import { PriorityBadge, StatusBadge, useCategoryLabel } from "./Chips";

interface TimelineEvent {
  key: string;
  label: string;
  time: Timestamp | undefined;
  current?: boolean;
}

/**
 * The status timeline, from what the ticket and its public conversation show (the audit trail,
 * ListTicketEvents, is for staff only): opened, support's replies, resolved, closed, now.
 */
export function buildTimeline(ticket: Ticket, messages: readonly TicketMessage[], t: (key: string, options?: Record<string, unknown>) => string): TimelineEvent[] {
  const events: TimelineEvent[] = [{ key: "opened", label: t("ticket.event.opened"), time: ticket.createTime }];
  for (const message of messages) {
    if (message.authorRole === Role.AGENT || message.authorRole === Role.ADMIN) {
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

/** Details and timeline beside the conversation. */
export function TicketSidebar({ ticket, messages }: { ticket: Ticket; messages: readonly TicketMessage[] }) {
  const { t, i18n } = useTranslation("tickets");
  const categoryLabel = useCategoryLabel();
  const timeline = buildTimeline(ticket, messages, t);
  const row = "flex items-center justify-between gap-3 py-2.5";
  return (
    <div className="flex flex-col gap-4">
      <Card className="px-4 py-2">
        <h2 className="sr-only">{t("ticket.details")}</h2>
        <dl className="divide-y divide-border text-sm">
          <div className={row}>
            <dt className="text-muted">{t("ticket.status")}</dt>
            <dd>
              <StatusBadge status={ticket.status} />
            </dd>
          </div>
          <div className={row}>
            <dt className="text-muted">{t("ticket.priority")}</dt>
            <dd>
              <PriorityBadge priority={ticket.priority} />
            </dd>
          </div>
          <div className={row}>
            <dt className="text-muted">{t("ticket.category")}</dt>
            <dd className="min-w-0 text-right break-words text-fg">{categoryLabel(ticket.category)}</dd>
          </div>
          <div className={row}>
            <dt className="shrink-0 text-muted">{t("ticket.assignee")}</dt>
            <dd className="min-w-0 text-right break-words text-fg">{ticket.assigneeDisplayName || <span className="text-muted">{t("ticket.unassigned")}</span>}</dd>
          </div>
        </dl>
      </Card>
      <Card className="p-4">
        <h2 className="text-[13px] font-semibold text-fg">{t("ticket.timeline")}</h2>
        <ol className="mt-3">
          {timeline.map((event, index) => (
            <li key={event.key} className="relative flex gap-3 pb-4 last:pb-0">
              {index < timeline.length - 1 ? <span aria-hidden="true" className="absolute top-3 left-[5px] h-full w-px bg-border" /> : null}
              <span
                aria-hidden="true"
                className={cx("relative mt-1.5 size-[11px] shrink-0 rounded-full border-2", event.current ? "border-accent bg-surface" : "border-accent bg-accent")}
              />
              <div className="min-w-0">
                <p className="text-sm text-fg">{event.label}</p>
                <p className="text-xs text-muted">{formatDateTime(event.time, i18n.language)}</p>
              </div>
            </li>
          ))}
        </ol>
      </Card>
    </div>
  );
}

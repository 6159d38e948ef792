import type { Ticket, TicketMessage } from "@helpdesk/client";
import { useTranslation } from "react-i18next";
import { Card } from "@/components";
import { cx } from "@/lib/cx";
import { formatDateTime } from "@/lib/format";
import { buildTimeline } from "../timeline";
import { PriorityBadge, StatusBadge, useCategoryLabel } from "./Chips";

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

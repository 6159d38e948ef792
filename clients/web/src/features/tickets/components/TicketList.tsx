import type { Ticket } from "@helpdesk/client";
import { Link } from "@tanstack/react-router";
import { MessageSquare } from "lucide-react";
import { useTranslation } from "react-i18next";
import { formatRelative } from "@/lib/format";
import { PriorityBadge, StatusBadge } from "./Chips";

/** Tickets as rows: number, subject, chips, activity. Each row links to the ticket. */
export function TicketList({ tickets, showCustomer }: { tickets: readonly Ticket[]; showCustomer: boolean }) {
  const { t, i18n } = useTranslation("tickets");
  return (
    <ul className="divide-y divide-border overflow-hidden rounded-xl border border-border bg-surface shadow-xs">
      {tickets.map((ticket) => (
        <li key={ticket.id}>
          <Link
            to="/tickets/$ticketId"
            params={{ ticketId: ticket.id }}
            className="flex flex-col gap-2 px-4 py-3.5 hover:bg-subtle sm:flex-row sm:items-center sm:gap-4 sm:px-5"
          >
            <div className="min-w-0 flex-1">
              <div className="flex items-baseline gap-2">
                <span className="shrink-0 text-xs font-medium text-muted tabular-nums">#{ticket.number}</span>
                <span className="truncate font-medium text-fg">{ticket.subject}</span>
              </div>
              <div className="mt-0.5 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-muted">
                {showCustomer ? <span className="truncate">{ticket.customerDisplayName}</span> : null}
                <span>{t("list.updated", { when: formatRelative(ticket.updateTime ?? ticket.createTime, i18n.language) })}</span>
                <span className="inline-flex items-center gap-1">
                  <MessageSquare aria-hidden="true" className="size-3" />
                  {t("list.messages", { count: ticket.messageCount })}
                </span>
              </div>
            </div>
            <div className="flex shrink-0 items-center gap-2">
              <PriorityBadge priority={ticket.priority} />
              <StatusBadge status={ticket.status} />
            </div>
          </Link>
        </li>
      ))}
    </ul>
  );
}

/** Placeholder rows while the first page loads. */
export function TicketListSkeleton() {
  return (
    <ul aria-hidden="true" className="divide-y divide-border overflow-hidden rounded-xl border border-border bg-surface">
      {[0, 1, 2, 3].map((row) => (
        <li key={row} className="flex items-center gap-4 px-5 py-4">
          <div className="flex-1 space-y-2">
            <div className="h-3.5 w-2/3 animate-pulse rounded bg-subtle" />
            <div className="h-3 w-1/3 animate-pulse rounded bg-subtle" />
          </div>
          <div className="h-6 w-20 animate-pulse rounded-full bg-subtle" />
        </li>
      ))}
    </ul>
  );
}

import type { Ticket } from "@helpdesk/client";
import { Link } from "@tanstack/react-router";
import { Tag } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Avatar, PriorityBadge, StatusBadge } from "@/components";
import { cx } from "@/lib/cx";
import { formatDateTime, formatRelative } from "@/lib/format";
import { SlaBadge } from "./SlaBadge";

export interface RowsProps {
  tickets: readonly Ticket[];
  selected: ReadonlySet<string>;
  fresh: ReadonlySet<string>;
  onToggle: (id: string) => void;
  onToggleAll: (select: boolean) => void;
}

/** The list: a checkbox per row for bulk actions, the ticket as a link; dense, one line on wide screens. */
export function TicketRows({ tickets, selected, fresh, onToggle, onToggleAll }: RowsProps) {
  const { t, i18n } = useTranslation("workspace");
  const all = tickets.length > 0 && tickets.every((ticket) => selected.has(ticket.id));
  const some = !all && tickets.some((ticket) => selected.has(ticket.id));
  return (
    <div className="overflow-hidden rounded-xl border border-border bg-surface shadow-xs">
      <div className="flex items-center gap-3 border-b border-border bg-subtle/60 px-3 py-2 text-xs font-medium text-muted sm:px-4">
        <input
          type="checkbox"
          className="size-4 accent-[var(--color-accent)]"
          aria-label={t("list.selectAll")}
          checked={all}
          ref={(element) => {
            if (element) element.indeterminate = some;
          }}
          onChange={(event) => onToggleAll(event.target.checked)}
        />
        <span className="flex-1">{t("list.ticket")}</span>
        <span className="hidden w-36 md:block">{t("list.assignee")}</span>
        <span className="hidden w-24 lg:block">{t("list.updated")}</span>
        <span className="hidden w-48 sm:block">{t("list.state")}</span>
      </div>
      <ul aria-label={t("list.label")} className="divide-y divide-border">
        {tickets.map((ticket) => (
          <li
            key={ticket.id}
            data-ticket-row={ticket.id}
            className={cx(
              "flex items-center gap-3 px-3 transition-colors duration-1000 focus-within:bg-subtle sm:px-4",
              fresh.has(ticket.id) ? "bg-accent-soft/70" : selected.has(ticket.id) ? "bg-accent-soft/30" : "",
            )}
          >
            <input
              type="checkbox"
              className="size-4 shrink-0 accent-[var(--color-accent)]"
              aria-label={t("list.select", { number: ticket.number })}
              checked={selected.has(ticket.id)}
              onChange={() => onToggle(ticket.id)}
            />
            <Link
              to="/agent/tickets/$ticketId"
              params={{ ticketId: ticket.id }}
              data-row-link
              className="flex min-w-0 flex-1 flex-col gap-1 rounded-md py-2.5 outline-offset-2 sm:flex-row sm:items-center sm:gap-3"
            >
              <span className="min-w-0 flex-1">
                <span className="flex items-baseline gap-2">
                  <span className="shrink-0 text-xs font-medium text-muted tabular-nums">#{ticket.number}</span>
                  <span className="truncate text-sm font-medium text-fg">{ticket.subject}</span>
                  {fresh.has(ticket.id) ? <span className="sr-only">{t("list.new")}</span> : null}
                </span>
                <span className="mt-0.5 flex min-w-0 items-center gap-2 text-xs text-muted">
                  <span className="truncate">{ticket.customerDisplayName}</span>
                  {ticket.tags.length > 0 ? (
                    <span className="inline-flex min-w-0 items-center gap-1 truncate">
                      <Tag aria-hidden="true" className="size-3 shrink-0" />
                      {ticket.tags.join(", ")}
                    </span>
                  ) : null}
                </span>
              </span>
              <span className="hidden w-36 min-w-0 items-center gap-2 text-xs text-fg md:flex">
                {ticket.assigneeDisplayName ? (
                  <>
                    <Avatar name={ticket.assigneeDisplayName} className="size-5 text-[10px]" />
                    <span className="truncate">{ticket.assigneeDisplayName}</span>
                  </>
                ) : (
                  <span className="text-muted">{t("list.nobody")}</span>
                )}
              </span>
              <time className="hidden w-24 text-xs text-muted lg:block" title={formatDateTime(ticket.updateTime, i18n.language)}>
                {formatRelative(ticket.updateTime ?? ticket.createTime, i18n.language)}
              </time>
              {/* Wraps rather than spilling over the columns beside it when an SLA chip joins the two badges. */}
              <span className="flex shrink-0 flex-wrap items-center gap-1.5 sm:w-48 sm:justify-end">
                <SlaBadge ticket={ticket} className="hidden md:inline" />
                <PriorityBadge priority={ticket.priority} label={(name) => t(`priority.${name}`)} />
                <StatusBadge status={ticket.status} label={(name) => t(`status.${name}`)} />
              </span>
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}

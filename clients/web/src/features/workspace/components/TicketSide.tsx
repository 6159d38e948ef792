import type { Ticket } from "@helpdesk/client";
import { Link } from "@tanstack/react-router";
import { useTranslation } from "react-i18next";
import { Card, StatusBadge } from "@/components";
import { formatDateTime, formatRelative } from "@/lib/format";
import { useAgents, useCustomerTickets, useTicketEvents } from "../api";
import { describeEvent } from "../events";

/** The audit trail, newest first. */
export function Activity({ ticketId }: { ticketId: string }) {
  const { t, i18n } = useTranslation("workspace");
  const events = useTicketEvents(ticketId);
  const agents = useAgents();
  const nameOf = (id: string): string | undefined => agents.data?.find((agent) => agent.id === id)?.displayName;
  const items = [...(events.data?.events ?? [])].reverse();
  return (
    <Card className="p-4">
      <h2 className="text-[13px] font-semibold text-fg">{t("ticket.timeline")}</h2>
      <ol className="mt-3 flex flex-col gap-2.5">
        {items.map((event) => (
          <li key={event.id} className="text-sm">
            <p className="text-fg">{describeEvent(event, t, nameOf)}</p>
            <time className="text-xs text-muted" title={formatDateTime(event.createTime, i18n.language)}>
              {formatRelative(event.createTime, i18n.language)}
            </time>
          </li>
        ))}
      </ol>
    </Card>
  );
}

/** The customer's other recent tickets, linked. */
export function OtherTickets({ ticket }: { ticket: Ticket }) {
  const { t } = useTranslation("workspace");
  const others = useCustomerTickets(ticket.customerId);
  const list = (others.data?.tickets ?? []).filter((other) => other.id !== ticket.id).slice(0, 5);
  return (
    <Card className="p-4">
      <h2 className="text-[13px] font-semibold text-fg">{t("ticket.otherTickets")}</h2>
      {list.length === 0 ? (
        <p className="mt-2 text-sm text-muted">{others.isPending ? "\u00a0" : t("ticket.noOtherTickets")}</p>
      ) : (
        <ul className="mt-2 flex flex-col gap-1">
          {list.map((other) => (
            <li key={other.id}>
              <Link to="/agent/tickets/$ticketId" params={{ ticketId: other.id }} className="flex items-center gap-2 rounded-md px-1 py-1 text-sm hover:bg-subtle">
                <span className="shrink-0 text-xs text-muted tabular-nums">#{other.number}</span>
                <span className="min-w-0 flex-1 truncate text-fg">{other.subject}</span>
                <StatusBadge status={other.status} label={(name) => t(`status.${name}`)} />
              </Link>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

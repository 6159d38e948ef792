import { Role, type Ticket, type TicketMessage } from "@helpdesk/client";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { useTranslation } from "react-i18next";
import { Avatar, Badge, MessageText } from "@/components";
import { cx } from "@/lib/cx";
import { formatDateTime, formatRelative } from "@/lib/format";

function Entry({ name, staff, mine, time, body, internal = false }: { name: string; staff: boolean; mine: boolean; time: Timestamp | undefined; body: string; internal?: boolean }) {
  const { t, i18n } = useTranslation("tickets");
  return (
    <li className="flex gap-3">
      <Avatar name={name} tone={staff ? "strong" : "plain"} className="size-8" />
      <article
        className={cx(
          "min-w-0 flex-1 rounded-xl border px-4 py-3",
          internal ? "border-warning/40 bg-warning-soft" : staff ? "border-accent/25 bg-accent-soft/40" : "border-border bg-surface",
        )}
      >
        <header className="flex flex-wrap items-center gap-x-2 gap-y-1">
          <span className="font-medium text-fg">{mine ? t("ticket.you") : name}</span>
          {staff ? <Badge tone="accent">{t("ticket.support")}</Badge> : null}
          {internal ? <Badge tone="warning">{t("ticket.internal")}</Badge> : null}
          <time className="text-xs text-muted" dateTime={time ? new Date(Number(time.seconds) * 1000).toISOString() : undefined} title={formatDateTime(time, i18n.language)}>
            {formatRelative(time, i18n.language)}
          </time>
        </header>
        {/* User text, always as text: whitespace kept, long words wrapped. */}
        <p className="mt-1.5 text-sm leading-6 break-words whitespace-pre-wrap text-fg">
          <MessageText text={body} />
        </p>
      </article>
    </li>
  );
}

/** The ticket's description followed by its public messages, oldest first. */
export function Conversation({ ticket, messages, viewerId }: { ticket: Ticket; messages: readonly TicketMessage[]; viewerId: string }) {
  return (
    <ol className="flex flex-col gap-4">
      <Entry name={ticket.customerDisplayName} staff={false} mine={ticket.customerId === viewerId} time={ticket.createTime} body={ticket.description} />
      {messages.map((message) => (
        <Entry
          key={message.id}
          name={message.authorDisplayName}
          staff={message.authorRole === Role.AGENT || message.authorRole === Role.ADMIN}
          mine={message.authorId === viewerId}
          time={message.createTime}
          body={message.body}
          internal={message.internal}
        />
      ))}
    </ol>
  );
}

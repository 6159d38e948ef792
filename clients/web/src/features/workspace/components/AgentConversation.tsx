import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { Role, type Ticket, type TicketMessage } from "@helpdesk/client";
import { Lock } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Avatar, Badge, MessageText } from "@/components";
import { cx } from "@/lib/cx";
import { formatDateTime, formatRelative, toDate } from "@/lib/format";

type Kind = "customer" | "reply" | "note";

function Entry({ name, kind, mine, time, body }: { name: string; kind: Kind; mine: boolean; time: Timestamp | undefined; body: string }) {
  const { t, i18n } = useTranslation("workspace");
  return (
    <li className="flex gap-3" data-kind={kind}>
      <Avatar name={name} tone={kind === "customer" ? "plain" : "strong"} className="size-8" />
      <article
        className={cx(
          "min-w-0 flex-1 rounded-xl border px-4 py-3",
          kind === "note" ? "border-dashed border-warning/60 bg-warning-soft" : kind === "reply" ? "border-accent/25 bg-accent-soft/40" : "border-border bg-surface",
        )}
      >
        <header className="flex flex-wrap items-center gap-x-2 gap-y-1">
          <span className="font-medium text-fg">{mine ? t("ticket.you") : name}</span>
          {kind === "note" ? (
            <Badge tone="warning">
              <Lock aria-hidden="true" className="size-3" />
              {t("ticket.internal")}
            </Badge>
          ) : (
            <Badge tone={kind === "reply" ? "accent" : "neutral"}>{kind === "reply" ? t("ticket.support") : t("ticket.customer")}</Badge>
          )}
          <time className="text-xs text-muted" dateTime={toDate(time)?.toISOString()} title={formatDateTime(time, i18n.language)}>
            {formatRelative(time, i18n.language)}
          </time>
        </header>
        {/* User text, always as text. */}
        <p className="mt-1.5 text-sm leading-6 break-words whitespace-pre-wrap text-fg">
          <MessageText text={body} />
        </p>
      </article>
    </li>
  );
}

/** The description, then every message: customer's, public replies and internal notes, each unmistakable. */
export function AgentConversation({ ticket, messages, viewerId }: { ticket: Ticket; messages: readonly TicketMessage[]; viewerId: string }) {
  const { t } = useTranslation("workspace");
  return (
    <ol aria-label={t("ticket.conversation")} className="flex flex-col gap-3">
      <Entry name={ticket.customerDisplayName} kind="customer" mine={false} time={ticket.createTime} body={ticket.description} />
      {messages.map((message) => {
        const staff = message.authorRole === Role.AGENT || message.authorRole === Role.ADMIN;
        return (
          <Entry
            key={message.id}
            name={message.authorDisplayName}
            kind={message.internal ? "note" : staff ? "reply" : "customer"}
            mine={message.authorId === viewerId}
            time={message.createTime}
            body={message.body}
          />
        );
      })}
    </ol>
  );
}

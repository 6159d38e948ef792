// One message of the conversation. Bodies are user text: rendered as text (React escapes it),
// with line breaks kept and long words wrapped, never as HTML.

import type { ChatMessage } from "@helpdesk/client";
import { Check, CheckCheck, CircleAlert, Clock } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Button, MessageText } from "@/components";
import { cx } from "@/lib/cx";
import { toDate } from "@/lib/format";
import { CHAT_UI_NAMESPACE } from "./i18n";
import type { OutboxEntry } from "@/lib/chat/outbox";

const timeFormats = new Map<string, Intl.DateTimeFormat>();

function formatTime(date: Date | undefined, language: string): string {
  if (date === undefined) {
    return "";
  }
  let format = timeFormats.get(language);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(language, { timeStyle: "short" });
    timeFormats.set(language, format);
  }
  return format.format(date);
}

function Bubble({ own, pending, children }: { own: boolean; pending?: boolean; children: string }) {
  return (
    <p
      className={cx(
        "max-w-[85%] rounded-2xl px-3.5 py-2 text-sm leading-6 break-words whitespace-pre-wrap sm:max-w-[75%]",
        pending
          ? "rounded-br-md border border-dashed border-accent/50 bg-accent-soft text-accent-soft-fg"
          : own
            ? "rounded-br-md bg-accent text-accent-fg"
            : "rounded-bl-md bg-subtle text-fg",
      )}
    >
      <MessageText text={children} />
    </p>
  );
}

export function MessageItem({ message, own, read, continued }: { message: ChatMessage; own: boolean; read: boolean; continued: boolean }) {
  const { t, i18n } = useTranslation(CHAT_UI_NAMESPACE);
  const time = formatTime(toDate(message.createTime), i18n.language);
  const sender = own ? t("messages.you") : message.senderDisplayName || t("messages.someone");
  return (
    <li className={cx("flex flex-col", own ? "items-end" : "items-start", continued ? "mt-0.5" : "mt-3 first:mt-0")}>
      <span className={cx("mb-1 px-1 text-xs font-medium text-muted", continued && "sr-only")}>{sender}</span>
      <Bubble own={own}>{message.body}</Bubble>
      <span className="mt-0.5 flex items-center gap-1 px-1 text-[11px] text-muted">
        <time dateTime={toDate(message.createTime)?.toISOString()}>{time}</time>
        {own ? (
          <>
            <span aria-hidden="true">·</span>
            {read ? <CheckCheck aria-hidden="true" className="size-3.5 text-accent" /> : <Check aria-hidden="true" className="size-3.5" />}
            <span>{read ? t("messages.read") : t("messages.sent")}</span>
          </>
        ) : null}
      </span>
    </li>
  );
}

export function PendingItem({
  entry,
  onRetry,
  onDiscard,
}: {
  entry: OutboxEntry;
  onRetry: (requestId: string) => void;
  onDiscard: (requestId: string) => void;
}) {
  const { t } = useTranslation(CHAT_UI_NAMESPACE);
  const preview = entry.body.length > 40 ? `${entry.body.slice(0, 40)}…` : entry.body;
  const stuck = entry.state === "failed" || entry.state === "waiting";
  return (
    <li className="mt-3 flex flex-col items-end">
      <span className="mb-1 px-1 text-xs font-medium text-muted">{t("messages.you")}</span>
      <Bubble own pending>
        {entry.body}
      </Bubble>
      <span className={cx("mt-0.5 flex items-center gap-1 px-1 text-[11px]", entry.state === "failed" ? "text-danger" : "text-muted")}>
        {stuck ? <CircleAlert aria-hidden="true" className="size-3.5" /> : <Clock aria-hidden="true" className="size-3.5" />}
        <span>
          {entry.state === "failed" ? t("messages.failed") : entry.state === "waiting" ? t("messages.waiting") : t("messages.sending")}
        </span>
      </span>
      {stuck && entry.failure ? (
        <div className="mt-1 flex max-w-[85%] flex-col items-end gap-1 sm:max-w-[75%]">
          <p className="text-right text-xs text-muted">{t(`failure.${entry.failure.kind}`)}</p>
          <div className="flex gap-1">
            <Button size="sm" variant="ghost" aria-label={t("messages.retryLabel", { preview })} onClick={() => onRetry(entry.requestId)}>
              {t("messages.retry")}
            </Button>
            {entry.state === "failed" ? (
              <Button size="sm" variant="ghost" aria-label={t("messages.discardLabel", { preview })} onClick={() => onDiscard(entry.requestId)}>
                {t("messages.discard")}
              </Button>
            ) : null}
          </div>
        </div>
      ) : null}
    </li>
  );
}

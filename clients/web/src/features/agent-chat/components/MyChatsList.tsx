// The agent's active chats, beside the queue (desktop): each opens (or focuses) its pane, with how
// many messages wait unread.

import type { Chat } from "@helpdesk/client";
import { useTranslation } from "react-i18next";
import { Avatar } from "@/components";
import { cx } from "@/lib/cx";
import { AGENT_CHAT_NAMESPACE } from "../i18n";

export interface MyChatsListProps {
  chats: readonly Chat[];
  shown: readonly string[];
  unreadOf: (chat: Chat) => number;
  onOpen: (chatId: string) => void;
}

export function MyChatsList({ chats, shown, unreadOf, onOpen }: MyChatsListProps) {
  const { t } = useTranslation(AGENT_CHAT_NAMESPACE);
  return (
    <section aria-labelledby="mine-heading">
      <h2 id="mine-heading" className="mb-2 text-xs font-semibold tracking-wide text-muted uppercase">
        {t("mine.heading")}
      </h2>
      {chats.length === 0 ? (
        <p className="text-sm text-muted">{t("mine.empty")}</p>
      ) : (
        <ul aria-label={t("mine.label")} className="flex flex-col gap-1">
          {chats.map((chat) => {
            const name = chat.customerDisplayName || t("pane.customer");
            const open = shown.includes(chat.id);
            const unread = open ? 0 : unreadOf(chat);
            return (
              <li key={chat.id}>
                <button
                  type="button"
                  aria-current={open ? "true" : undefined}
                  onClick={() => onOpen(chat.id)}
                  className={cx(
                    "flex w-full items-center gap-2.5 rounded-lg px-2.5 py-2 text-left hover:bg-subtle",
                    open && "bg-subtle",
                  )}
                >
                  <Avatar name={name} className="size-7 text-[11px]" />
                  <span className="min-w-0 flex-1">
                    <span className="block truncate text-sm font-medium text-fg">{name}</span>
                    <span className="block truncate text-xs text-muted">{chat.topic || t("pane.noTopic")}</span>
                  </span>
                  {unread > 0 ? <CountBadge count={unread} label={t("mine.unread", { count: unread })} /> : null}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** A number in a pill (unread messages, waiting chats), with its meaning for screen readers. */
export function CountBadge({ count, label }: { count: number; label: string }) {
  return (
    <span className="rounded-full bg-accent px-1.5 py-0.5 text-[11px] leading-none font-semibold text-accent-fg tabular-nums">
      <span aria-hidden="true">{count}</span>
      <span className="sr-only">{label}</span>
    </span>
  );
}

// The conversation: committed messages in seq order, then the viewer's unsent ones, then who is
// typing. Follows the newest message while the reader is at the end; otherwise offers a jump.

import { ArrowDown } from "lucide-react";
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { TypingState } from "@/lib/chat/events";
import type { OutboxEntry } from "@/lib/chat/outbox";
import type { ChatTimeline } from "@/lib/chat/timeline";
import { CHAT_UI_NAMESPACE } from "./i18n";
import { MessageItem, PendingItem } from "./MessageItem";

/** Within this many pixels of the bottom counts as "at the end". */
const END_SLACK_PX = 48;

export interface MessageListProps {
  timeline: ChatTimeline;
  pending: readonly OutboxEntry[];
  viewerId: string;
  /** The other participant's read receipt: the viewer's messages up to it show as read. */
  otherReadSeq: number;
  typing: TypingState | undefined;
  onAtEndChange: (atEnd: boolean) => void;
  onRetry: (requestId: string) => void;
  onDiscard: (requestId: string) => void;
}

export function MessageList({ timeline, pending, viewerId, otherReadSeq, typing, onAtEndChange, onRetry, onDiscard }: MessageListProps) {
  const { t } = useTranslation(CHAT_UI_NAMESPACE);
  const scroller = useRef<HTMLDivElement>(null);
  const atEnd = useRef(true);
  const [showJump, setShowJump] = useState(false);
  const messages = timeline.messages;
  const count = messages.length + pending.length;
  const lastOwn = messages.at(-1)?.senderId === viewerId;

  // Whether the end of the conversation is on screen (drives auto-scroll and read receipts). Known
  // from scrolling, so that the list shrinking (the rating panel appearing) keeps the reader there.
  const measure = useCallback((): void => {
    const root = scroller.current;
    if (!root) {
      return;
    }
    const visible = root.scrollHeight - root.scrollTop - root.clientHeight <= END_SLACK_PX;
    if (visible !== atEnd.current) {
      atEnd.current = visible;
      onAtEndChange(visible);
    }
    if (visible) {
      setShowJump(false);
    }
  }, [onAtEndChange]);

  useEffect(() => {
    const root = scroller.current;
    if (!root) {
      return;
    }
    const observer = new ResizeObserver(() => {
      if (atEnd.current) {
        root.scrollTop = root.scrollHeight;
      }
    });
    observer.observe(root);
    return () => observer.disconnect();
  }, []);

  // New content: stay at the end if the reader was there (or just sent something).
  useLayoutEffect(() => {
    const root = scroller.current;
    if (!root) {
      return;
    }
    if (atEnd.current || lastOwn || pending.length > 0) {
      root.scrollTop = root.scrollHeight;
    } else if (count > 0) {
      setShowJump(true);
    }
  }, [count, lastOwn, pending.length, typing]);

  const jump = (): void => {
    const root = scroller.current;
    root?.scrollTo({ top: root.scrollHeight, behavior: "smooth" });
  };

  return (
    <div className="relative min-h-0 flex-1">
      {/* Focusable, so the conversation can be scrolled from the keyboard. */}
      <div
        ref={scroller}
        onScroll={measure}
        tabIndex={0}
        role="region"
        aria-label={t("messages.region")}
        className="h-full overflow-x-hidden overflow-y-auto px-3 py-4 focus-visible:outline-offset-[-2px] sm:px-5"
      >
        {count === 0 ? <p className="py-10 text-center text-sm text-muted">{t("messages.empty")}</p> : null}
        <ol aria-label={t("messages.label")} className="flex flex-col gap-1">
          {messages.map((message, index) => (
            <MessageItem
              key={message.seq}
              message={message}
              own={message.senderId === viewerId}
              read={message.senderId === viewerId && message.seq <= otherReadSeq}
              continued={messages[index - 1]?.senderId === message.senderId}
            />
          ))}
          {pending.map((entry) => (
            <PendingItem key={entry.requestId} entry={entry} onRetry={onRetry} onDiscard={onDiscard} />
          ))}
        </ol>
        <p aria-live="polite" className="mt-2 h-5 px-1 text-xs text-muted">
          {typing ? t("typing", { name: typing.displayName || t("messages.someone") }) : ""}
        </p>
      </div>
      {showJump ? (
        <button
          type="button"
          onClick={jump}
          className="absolute bottom-3 left-1/2 flex -translate-x-1/2 items-center gap-1.5 rounded-full border border-border bg-surface px-3 py-1.5 text-xs font-medium text-fg shadow-md hover:bg-subtle"
        >
          <ArrowDown aria-hidden="true" className="size-3.5" />
          {t("messages.newMessages")}
        </button>
      ) : null}
    </div>
  );
}

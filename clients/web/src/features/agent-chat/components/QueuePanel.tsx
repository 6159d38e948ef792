// The waiting chats, oldest first, each with Accept. A chat another agent took stays a moment as
// "… took this chat"; a lost race says who won, in a status line that screen readers announce.

import type { Chat } from "@helpdesk/client";
import { WifiOff } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Avatar, Button, ErrorBanner, Spinner } from "@/components";
import type { ConnectionState } from "@/lib/chat/stream";
import { describeError } from "@/lib/errors";
import { formatRelative } from "@/lib/format";
import type { AcceptLoss } from "../model/accept";
import { waitingChats, wasTaken, type QueueRow, type QueueState } from "../model/queue";
import { AGENT_CHAT_NAMESPACE } from "../i18n";

export interface QueuePanelProps {
  queue: QueueState;
  connection: ConnectionState;
  viewerId: string;
  accepting: string | undefined;
  loss: AcceptLoss | undefined;
  onAccept: (chatId: string) => void;
  onDismissLoss: () => void;
}

export function QueuePanel({ queue, connection, viewerId, accepting, loss, onAccept, onDismissLoss }: QueuePanelProps) {
  const { t, i18n } = useTranslation(AGENT_CHAT_NAMESPACE);
  const { t: tc } = useTranslation();
  const count = waitingChats(queue).length;
  // The chats the viewer took themselves simply leave (they open as panes).
  const rows = queue.rows.filter((row) => row.left?.agentId !== viewerId);

  return (
    <section aria-labelledby="queue-heading" className="flex min-h-0 flex-col">
      <div className="mb-2 flex items-center justify-between gap-2">
        <h2 id="queue-heading" className="text-xs font-semibold tracking-wide text-muted uppercase">
          {t("queue.heading")}
        </h2>
        <span className="rounded-full bg-subtle px-2 py-0.5 text-xs font-medium text-muted tabular-nums">{t("queue.count", { count })}</span>
      </div>
      <div aria-live="polite" className="empty:hidden">
        {loss ? (
          <ErrorBanner tone="info" onDismiss={onDismissLoss} className="mb-2">
            {loss.kind === "taken"
              ? t("queue.lostRace", { name: loss.agentName })
              : loss.kind === "ended"
                ? t("queue.lostRaceEnded")
                : `${t("queue.acceptFailed")} ${describeError(loss.error, tc)}`}
          </ErrorBanner>
        ) : null}
      </div>
      {connection === "reconnecting" || connection === "failed" ? (
        <p className="mb-2 flex items-center gap-2 rounded-lg bg-warning-soft px-3 py-2 text-xs text-warning">
          <WifiOff aria-hidden="true" className="size-3.5 shrink-0" />
          {t("queue.reconnecting")}
        </p>
      ) : null}
      {!queue.loaded ? (
        <p className="flex items-center gap-2 py-4 text-sm text-muted">
          <Spinner size="sm" />
          {t("queue.loading")}
        </p>
      ) : rows.length === 0 ? (
        <p className="rounded-lg border border-dashed border-border-strong px-3 py-6 text-center text-sm text-muted">{t("queue.empty")}</p>
      ) : (
        <ul aria-label={t("queue.label")} className="flex flex-col gap-2">
          {rows.map((row) => (
            <QueueItem
              key={row.chat.id}
              row={row}
              language={i18n.language}
              accepting={accepting === row.chat.id}
              busy={accepting !== undefined}
              onAccept={onAccept}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function QueueItem({
  row,
  language,
  accepting,
  busy,
  onAccept,
}: {
  row: QueueRow;
  language: string;
  accepting: boolean;
  busy: boolean;
  onAccept: (chatId: string) => void;
}) {
  const { t } = useTranslation(AGENT_CHAT_NAMESPACE);
  const { chat, left } = row;
  const name = chat.customerDisplayName || t("pane.customer");
  return (
    <li className="rounded-lg border border-border bg-surface px-3 py-2.5 shadow-xs" aria-disabled={left ? true : undefined}>
      <div className="flex items-start gap-2.5">
        <Avatar name={name} className="mt-0.5 size-8 text-[11px]" />
        <div className="min-w-0 flex-1">
          <p className="truncate text-sm font-medium text-fg">{name}</p>
          <p className="truncate text-xs text-muted" title={chat.topic || undefined}>
            {chat.topic || t("queue.noTopic")}
          </p>
          {left ? (
            <p className="mt-1 text-xs font-medium text-muted">{leftText(left, t)}</p>
          ) : (
            <p className="mt-0.5 text-xs text-muted">{t("queue.since", { when: formatRelative(chat.createTime, language) })}</p>
          )}
        </div>
        {left ? null : (
          <Button
            size="sm"
            loading={accepting}
            disabled={busy && !accepting}
            aria-label={t("queue.acceptLabel", { name })}
            onClick={() => onAccept(chat.id)}
          >
            {accepting ? t("queue.accepting") : t("queue.accept")}
          </Button>
        )}
      </div>
    </li>
  );
}

function leftText(left: Chat, t: (key: string, options?: Record<string, unknown>) => string): string {
  return wasTaken(left) ? t("queue.takenBy", { name: left.agentDisplayName }) : t("queue.left");
}

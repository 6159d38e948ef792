// A pane's status line (a `status` region, so changes are announced): live, reconnecting, ended,
// or handed over to someone else.

import { ChatStatus, type Chat } from "@helpdesk/client";
import { CircleCheck, WifiOff } from "lucide-react";
import { useTranslation } from "react-i18next";
import type { ConnectionState } from "@/lib/chat/stream";
import { cx } from "@/lib/cx";
import { AGENT_CHAT_NAMESPACE } from "../i18n";

export function PaneStatus({ chat, connection, viewerId, name }: { chat: Chat; connection: ConnectionState; viewerId: string; name: string }) {
  const { t } = useTranslation(AGENT_CHAT_NAMESPACE);
  let text: string;
  let tone = "bg-subtle text-muted";
  let icon = null;
  if (chat.status === ChatStatus.ENDED || connection === "ended") {
    text = t("pane.ended");
    icon = <CircleCheck aria-hidden="true" className="size-3.5 shrink-0" />;
  } else if (chat.agentId !== "" && chat.agentId !== viewerId) {
    text = t("pane.transferredAway", { name: chat.agentDisplayName });
  } else if (connection === "reconnecting") {
    tone = "bg-warning-soft text-warning";
    text = t("pane.reconnecting");
    icon = <WifiOff aria-hidden="true" className="size-3.5 shrink-0" />;
  } else if (connection === "failed") {
    tone = "bg-danger-soft text-danger";
    text = t("pane.failed");
  } else if (connection === "connecting") {
    text = t("pane.connecting");
  } else {
    tone = "bg-success-soft text-success";
    text = t("pane.live");
    icon = <span aria-hidden="true" className="size-1.5 shrink-0 rounded-full bg-current" />;
  }
  return (
    <div
      role="status"
      aria-label={t("pane.statusLabel", { name })}
      className={cx("flex min-h-8 items-center gap-2 border-b border-border px-4 py-1.5 text-xs", tone)}
    >
      {icon}
      <span className="min-w-0">{text}</span>
    </div>
  );
}

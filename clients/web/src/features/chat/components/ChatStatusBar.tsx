// The live status line (a `status` region, so changes are announced): the queue position while
// waiting, who the customer talks to, a reconnecting warning, or the end of the chat.

import { ChatStatus, type Chat } from "@helpdesk/client";
import { CircleCheck, LoaderCircle, WifiOff } from "lucide-react";
import { useTranslation } from "react-i18next";
import { cx } from "@/lib/cx";
import type { ConnectionState } from "@/lib/chat/stream";
import { CHAT_NAMESPACE } from "../i18n";

type Tone = "quiet" | "accent" | "warning" | "danger";

const TONES: Record<Tone, string> = {
  quiet: "bg-subtle text-muted",
  accent: "bg-accent-soft text-accent-soft-fg",
  warning: "bg-warning-soft text-warning",
  danger: "bg-danger-soft text-danger",
};

export function ChatStatusBar({ chat, connection }: { chat: Chat; connection: ConnectionState }) {
  const { t } = useTranslation(CHAT_NAMESPACE);
  let tone: Tone = "quiet";
  let text: string;
  let icon = null;
  if (chat.status === ChatStatus.ENDED || connection === "ended") {
    text = t("status.ended");
    icon = <CircleCheck aria-hidden="true" className="size-4 shrink-0" />;
  } else if (connection === "reconnecting") {
    tone = "warning";
    text = t("status.reconnecting");
    icon = <WifiOff aria-hidden="true" className="size-4 shrink-0" />;
  } else if (connection === "failed") {
    tone = "danger";
    text = t("status.failed");
  } else if (chat.status === ChatStatus.WAITING) {
    tone = "accent";
    text =
      chat.queuePosition > 1
        ? t("status.waiting", { position: chat.queuePosition })
        : chat.queuePosition === 1
          ? t("status.waitingNext")
          : t("status.waitingUnknown");
    icon = <LoaderCircle aria-hidden="true" className="size-4 shrink-0 animate-spin motion-reduce:animate-none" />;
  } else if (connection === "connecting") {
    text = t("status.connecting");
  } else {
    text = t("status.active", { name: chat.agentDisplayName || t("messages.support") });
  }
  return (
    <div
      role="status"
      aria-label={t("status.label")}
      className={cx("flex min-h-9 items-center gap-2 border-b border-border px-4 py-2 text-[13px]", TONES[tone])}
    >
      {icon}
      <span className="min-w-0">{text}</span>
    </div>
  );
}

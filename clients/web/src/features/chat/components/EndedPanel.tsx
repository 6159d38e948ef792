// Under an ended chat: who ended it, the rating (once), and a way to start a new chat.

import type { Chat } from "@helpdesk/client";
import { Plus } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "@/components";
import { CHAT_NAMESPACE } from "../i18n";
import { RatingForm, RatingSummary } from "./RatingForm";

export function EndedPanel({ chat, viewerId, onNewChat }: { chat: Chat; viewerId: string; onNewChat: () => void }) {
  const { t } = useTranslation(CHAT_NAMESPACE);
  const [rated, setRated] = useState(false);
  const endedBy =
    chat.endedById === ""
      ? undefined
      : chat.endedById === viewerId
        ? t("endedBy.you")
        : t("endedBy.other", { name: chat.endedById === chat.agentId && chat.agentDisplayName ? chat.agentDisplayName : t("messages.support") });
  return (
    <div className="max-h-[60%] overflow-y-auto border-t border-border bg-surface px-4 py-4 sm:px-5">
      <div className="mb-3 flex items-center justify-between gap-3">
        <p className="min-w-0 text-xs text-muted">{endedBy}</p>
        <Button variant="secondary" size="sm" icon={<Plus aria-hidden="true" className="size-4" />} onClick={onNewChat}>
          {t("newChat")}
        </Button>
      </div>
      {chat.rating > 0 ? <RatingSummary rating={chat.rating} thanks={rated} /> : <RatingForm chatId={chat.id} onRated={() => setRated(true)} />}
    </div>
  );
}

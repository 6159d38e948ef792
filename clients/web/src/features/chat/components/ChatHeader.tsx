// The chat's title bar: the agent (or the queue while waiting), the topic, and "End chat".

import { ChatStatus, type Chat } from "@helpdesk/client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Clock } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Avatar, Button, ConfirmDialog } from "@/components";
import { client } from "@/lib/client";
import { describeError } from "@/lib/errors";
import { storeChat } from "@/lib/chat/queries";
import { latestChatKey } from "../api/queries";
import { CHAT_NAMESPACE } from "../i18n";

export function ChatHeader({ chat, titleId, ended }: { chat: Chat; titleId: string; ended: boolean }) {
  const { t } = useTranslation(CHAT_NAMESPACE);
  const { t: tc } = useTranslation();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const end = useMutation({
    mutationFn: () => client.chat.endChat({ id: chat.id }),
    onSuccess: (answer) => {
      storeChat(queryClient, answer);
      void queryClient.invalidateQueries({ queryKey: latestChatKey });
      setConfirming(false);
    },
  });
  const waiting = chat.status === ChatStatus.WAITING;
  const agentName = chat.agentDisplayName || t("messages.support");

  return (
    <header className="flex items-center gap-3 border-b border-border px-4 py-3">
      {waiting ? (
        <span className="flex size-9 shrink-0 items-center justify-center rounded-full bg-subtle text-muted">
          <Clock aria-hidden="true" className="size-4" />
        </span>
      ) : (
        <Avatar name={agentName} className="size-9 text-[13px]" />
      )}
      <div className="min-w-0 flex-1">
        <h1 id={titleId} className="truncate text-base font-semibold text-fg">
          {waiting ? t("header.waiting") : agentName}
        </h1>
        <p className="truncate text-xs text-muted" title={chat.topic || undefined}>
          {chat.topic ? t("header.topic", { topic: chat.topic }) : waiting ? t("header.noTopic") : t("header.agentRole")}
        </p>
      </div>
      {ended ? null : (
        <Button variant="secondary" size="sm" onClick={() => setConfirming(true)}>
          {t("end.button")}
        </Button>
      )}
      <ConfirmDialog
        open={confirming}
        onClose={() => setConfirming(false)}
        onConfirm={() => end.mutate()}
        title={t("end.button")}
        description={t("end.confirm")}
        cancelLabel={t("end.no")}
        confirmLabel={t("end.yes")}
        pendingLabel={t("end.ending")}
        pending={end.isPending}
        error={end.isError ? describeError(end.error, tc) : undefined}
      />
    </header>
  );
}

// One chat in the console: the customer, the live conversation (streamed with resume), the agent's
// composer (Enter or Ctrl/Cmd+Enter sends), typing and read receipts both ways, transfer and end.

import { ChatStatus, type User } from "@helpdesk/client";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Spinner } from "@/components";
import { Composer, MessageList } from "@/components/chat";
import { useChatSession } from "@/lib/chat/use-chat-session";
import { useMarkRead } from "@/lib/chat/use-mark-read";
import { AGENT_CHAT_NAMESPACE } from "../i18n";
import { PaneHeader } from "./PaneHeader";
import { PaneStatus } from "./PaneStatus";

export interface ChatPaneProps {
  chatId: string;
  viewer: User;
  onClose: () => void;
  /** Put the cursor in the composer (the agent just accepted or opened this chat). */
  focusComposer?: boolean;
}

export function ChatPane({ chatId, viewer, onClose, focusComposer = false }: ChatPaneProps) {
  const { t } = useTranslation(AGENT_CHAT_NAMESPACE);
  const [atEnd, setAtEnd] = useState(true);
  // (Ended or handed over, the agent's list of active chats changes: the queue stream brings it.)
  const { chatResult, timeline, unsent, sender, connection, typing } = useChatSession(chatId, viewer.id);

  const chat = chatResult.data;
  const ended = chat?.status === ChatStatus.ENDED || connection === "ended";
  const canWrite = !ended && chat?.agentId === viewer.id;
  // The agent's own replies move the receipt too, so "unread" in their chat list counts only the customer's.
  useMarkRead(chatId, timeline.messages, viewer.id, chat?.agentLastReadSeq ?? 0, atEnd, canWrite, true);
  const name = chat?.customerDisplayName || t("pane.customer");

  return (
    <section
      aria-label={t("pane.region", { name })}
      className="flex h-full min-h-[22rem] min-w-0 flex-col overflow-hidden rounded-xl border border-border bg-surface shadow-xs"
    >
      {chat === undefined ? (
        <div className="flex flex-1 items-center justify-center">
          <Spinner />
        </div>
      ) : (
        <>
          <PaneHeader chat={chat} name={name} canAct={canWrite} canTicket={chat.agentId === viewer.id} onClose={onClose} />
          <PaneStatus chat={chat} connection={connection} viewerId={viewer.id} name={name} />
          <MessageList
            timeline={timeline}
            pending={unsent}
            viewerId={viewer.id}
            otherReadSeq={chat.customerLastReadSeq}
            typing={typing}
            onAtEndChange={setAtEnd}
            onRetry={(requestId) => sender.retry(requestId)}
            onDiscard={(requestId) => sender.discard(requestId)}
          />
          {canWrite ? (
            <Composer
              chatId={chatId}
              onSend={(body) => sender.add(body)}
              autoFocus={focusComposer}
              // With a ticket made from the chat, the server fills everything; before, what the chat knows.
              replyContext={{ ticketId: chat.ticketId || undefined, customerName: chat.customerDisplayName, agentName: viewer.displayName }}
            />
          ) : null}
        </>
      )}
    </section>
  );
}

// One chat on screen: who the customer talks to, the live status, the messages (streamed into the
// query cache), the composer, and once the chat is over, the rating.

import { ChatStatus, type ChatMessage, type User } from "@helpdesk/client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import { PageSpinner } from "@/components";
import { chatQuery, timelineQuery } from "../api/queries";
import { useChatLive } from "../hooks/use-chat-live";
import { useMarkRead } from "../hooks/use-mark-read";
import { useOutbox } from "../hooks/use-outbox";
import { deliveredRequestIds } from "../model/timeline";
import { ChatHeader } from "./ChatHeader";
import { ChatStatusBar } from "./ChatStatusBar";
import { Composer } from "./Composer";
import { EndedPanel } from "./EndedPanel";
import { LoadFailed } from "./LoadFailed";
import { MessageList } from "./MessageList";

export function ChatConversation({ chatId, viewer, onNewChat }: { chatId: string; viewer: User; onNewChat: () => void }) {
  const queryClient = useQueryClient();
  const chatResult = useQuery(chatQuery(chatId));
  const { data: timeline } = useQuery(timelineQuery(queryClient, chatId));
  const [atEnd, setAtEnd] = useState(true);

  const { outbox: pending, sender } = useOutbox(chatId);
  const onMessages = useCallback(
    (messages: ChatMessage[]) => {
      const own = new Set(messages.map((message) => message.requestId).filter(Boolean));
      if (own.size > 0) {
        sender.reconcile(own); // delivered by the stream although the send's answer was lost
      }
    },
    [sender],
  );
  const { connection, typing } = useChatLive(chatId, viewer.id, onMessages);
  const live = connection === "live";
  // The stream is back, so the network works: unsent messages go now, not after their backoff.
  useEffect(() => {
    if (live) {
      sender.retryWaiting();
    }
  }, [live, sender]);

  const chat = chatResult.data;
  const ended = chat?.status === ChatStatus.ENDED || connection === "ended";
  useMarkRead(chatId, timeline.messages, viewer.id, chat?.customerLastReadSeq ?? 0, atEnd, !ended && chat !== undefined);

  // A pending message the timeline already holds is shown once, as the committed one.
  const delivered = useMemo(() => deliveredRequestIds(timeline), [timeline]);
  const unsent = useMemo(() => pending.filter((entry) => !delivered.has(entry.requestId)), [pending, delivered]);

  if (chat === undefined) {
    if (chatResult.isError) {
      return <LoadFailed error={chatResult.error} onRetry={() => void chatResult.refetch()} />;
    }
    return <PageSpinner />;
  }

  return (
    <div className="mx-auto w-full max-w-3xl sm:px-6 sm:py-6">
      <section
        aria-labelledby="chat-title"
        className="flex h-[calc(100dvh-3.5rem)] min-h-[26rem] flex-col overflow-hidden border-border bg-surface sm:h-[calc(100dvh-6.5rem)] sm:max-h-[52rem] sm:rounded-xl sm:border sm:shadow-xs"
      >
        <ChatHeader chat={chat} titleId="chat-title" ended={ended} />
        <ChatStatusBar chat={chat} connection={connection} />
        <MessageList
          timeline={timeline}
          pending={unsent}
          viewerId={viewer.id}
          agentReadSeq={chat.agentLastReadSeq}
          typing={typing}
          onAtEndChange={setAtEnd}
          onRetry={(requestId) => sender.retry(requestId)}
          onDiscard={(requestId) => sender.discard(requestId)}
        />
        {ended ? (
          <EndedPanel chat={chat} viewerId={viewer.id} onNewChat={onNewChat} />
        ) : (
          <Composer chatId={chatId} onSend={(body) => sender.add(body)} />
        )}
      </section>
    </div>
  );
}

// One chat on screen: who the customer talks to, the live status, the messages (streamed into the
// query cache), the composer, and once the chat is over, the rating.

import { ChatStatus, type User } from "@helpdesk/client";
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { PageSpinner } from "@/components";
import { Composer, MessageList } from "@/components/chat";
import { useChatSession } from "@/lib/chat/use-chat-session";
import { useMarkRead } from "@/lib/chat/use-mark-read";
import { latestChatKey } from "../api/queries";
import { ChatHeader } from "./ChatHeader";
import { ChatStatusBar } from "./ChatStatusBar";
import { EndedPanel } from "./EndedPanel";
import { LoadFailed } from "./LoadFailed";

export function ChatConversation({ chatId, viewer, onNewChat }: { chatId: string; viewer: User; onNewChat: () => void }) {
  const queryClient = useQueryClient();
  const [atEnd, setAtEnd] = useState(true);
  const onStatusChange = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: latestChatKey });
  }, [queryClient]);
  const { chatResult, timeline, unsent, sender, connection, typing } = useChatSession(chatId, viewer.id, onStatusChange);

  const chat = chatResult.data;
  const ended = chat?.status === ChatStatus.ENDED || connection === "ended";
  useMarkRead(chatId, timeline.messages, viewer.id, chat?.customerLastReadSeq ?? 0, atEnd, !ended && chat !== undefined);

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
          otherReadSeq={chat.agentLastReadSeq}
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

// Follows one chat live while the page shows it: StreamChat events go into the query cache
// (messages into the timeline, status and receipts into the chat), typing into local state.
// Used by the customer's chat and by each chat open in the agents' console.

import { ChatStatus, type Chat, type ChatEvent, type ChatMessage } from "@helpdesk/client";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { client } from "@/lib/client";
import { browserOnline, followInBrowser, refreshSignedInSession } from "./browser-stream";
import { ChatStream, type ConnectionState } from "./stream";
import { chatKeys, mergeIntoTimeline, storeChat } from "./queries";
import { applyEventToChat, applyTyping, clearTypingOnMessage, type TypingState } from "./events";
import { EMPTY_TIMELINE, type ChatTimeline } from "./timeline";

export interface ChatLive {
  connection: ConnectionState;
  /** The other participant while they type. */
  typing: TypingState | undefined;
}

/**
 * Streams `chatId` for as long as the component is mounted: resumes after any drop (and at once
 * when the browser is back online), re-reads the chat whenever a stream opens (status changes and
 * receipts are not replayed), calls `onMessages` with each batch of new messages and
 * `onStatusChange` when the chat's status or agent changes.
 */
export function useChatLive(
  chatId: string,
  viewerId: string,
  onMessages: (messages: ChatMessage[]) => void,
  onStatusChange?: (chat: Chat | undefined) => void,
): ChatLive {
  const queryClient = useQueryClient();
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  const [typing, setTyping] = useState<TypingState>();
  const onMessagesRef = useRef(onMessages);
  const onStatusChangeRef = useRef(onStatusChange);
  useEffect(() => {
    onMessagesRef.current = onMessages;
    onStatusChangeRef.current = onStatusChange;
  });

  useEffect(() => {
    let pending: ChatMessage[] = [];
    // A replay delivers many messages at once: merge them into the cache in one update.
    const flush = (): void => {
      const batch = pending;
      pending = [];
      if (batch.length > 0) {
        mergeIntoTimeline(queryClient, chatId, batch);
        onMessagesRef.current(batch);
      }
    };
    const onEvent = (event: ChatEvent): void => {
      const value = event.event;
      if (value.case === "message") {
        if (pending.length === 0) {
          queueMicrotask(flush);
        }
        pending.push(value.value);
        const sender = value.value.senderId;
        setTyping((current) => clearTypingOnMessage(current, sender));
        const chat = queryClient.getQueryData<Chat>(chatKeys.chat(chatId));
        if (chat !== undefined && sender !== viewerId && sender !== chat.agentId) {
          // A message from an agent the page does not know: an accept or transfer was missed.
          void queryClient.invalidateQueries({ queryKey: chatKeys.chat(chatId) });
        }
      } else if (value.case === "typing") {
        setTyping((current) => applyTyping(current, value.value, viewerId, Date.now()));
      } else if (value.case !== "heartbeat" && value.case !== undefined) {
        queryClient.setQueryData<Chat>(chatKeys.chat(chatId), (chat) => (chat ? applyEventToChat(chat, event) : chat));
        if (value.case === "statusChange" || value.case === "agentChange") {
          onStatusChangeRef.current?.(value.value.chat);
        }
      }
    };
    const stream = new ChatStream({
      open: (afterSeq, signal, onOpen) =>
        client.chat.streamChat({ chatId, afterSeq }, { signal, timeoutMs: 0, onHeader: onOpen }),
      cursor: () => (queryClient.getQueryData<ChatTimeline>(chatKeys.timeline(chatId)) ?? EMPTY_TIMELINE).contiguousSeq,
      onEvent,
      onState: (state) => {
        flush();
        setConnection(state);
        if (state === "live") {
          // What happened to the chat while no stream was open (accepted, ended, read) is not
          // replayed: read the chat again once one is (a message from an unknown agent also does).
          void queryClient.invalidateQueries({ queryKey: chatKeys.chat(chatId) });
        } else {
          setTyping(undefined); // nobody can be seen typing through a broken stream
        }
      },
      hasEnded: async () => {
        const chat = await client.chat.getChat({ id: chatId });
        storeChat(queryClient, chat);
        return chat.status === ChatStatus.ENDED;
      },
      refreshSession: refreshSignedInSession,
      isOnline: browserOnline,
    });
    return followInBrowser(stream);
  }, [chatId, viewerId, queryClient]);

  // An indicator nobody renews lapses by itself.
  useEffect(() => {
    if (typing === undefined) {
      return;
    }
    const timer = setTimeout(() => setTyping(undefined), Math.max(typing.until - Date.now(), 0));
    return () => clearTimeout(timer);
  }, [typing]);

  return { connection, typing };
}

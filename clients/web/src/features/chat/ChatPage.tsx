// /chat: the customer's live chat. Shows their open chat (or the one that just ended, to rate it),
// otherwise the form that starts one.

import { ChatStatus, type Chat } from "@helpdesk/client";
import { useQuery } from "@tanstack/react-query";
import { MessagesSquare } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { EmptyState, ErrorBanner, Page, PageSpinner } from "@/components";
import { useSession } from "@/lib/client";
import { describeError } from "@/lib/errors";
import { latestChatQuery } from "./api/queries";
import { ChatConversation } from "./components/ChatConversation";
import { StartChatForm } from "./components/StartChatForm";
import { CHAT_NAMESPACE } from "./i18n";

/** An ended chat stays on screen (to be rated) for this long after it ended. */
const RATE_WINDOW_MS = 24 * 3600 * 1000;

/** The chat to show when the page opens: an open one, or a recently ended one not rated yet. */
export function chatToResume(chat: Chat | null | undefined, now: number): string | undefined {
  if (!chat) {
    return undefined;
  }
  if (chat.status === ChatStatus.WAITING || chat.status === ChatStatus.ACTIVE) {
    return chat.id;
  }
  const ended = chat.endTime === undefined ? 0 : Number(chat.endTime.seconds) * 1000;
  return chat.status === ChatStatus.ENDED && chat.rating === 0 && now - ended < RATE_WINDOW_MS ? chat.id : undefined;
}

export function ChatPage() {
  const { t } = useTranslation(CHAT_NAMESPACE);
  const { t: tc } = useTranslation();
  const { user, isStaff } = useSession();
  const latest = useQuery({ ...latestChatQuery(), enabled: user !== undefined && !isStaff });
  // undefined: not decided yet; null: the start form; an id: that chat. Decided once per visit
  // from the latest chat, so a chat that ends (or is rated) while shown stays on screen.
  const [chosen, setChosen] = useState<string | null>();
  if (chosen === undefined && latest.isSuccess) {
    setChosen(chatToResume(latest.data, latest.dataUpdatedAt) ?? null);
  }

  if (user === undefined) {
    return <PageSpinner />;
  }
  if (isStaff) {
    return (
      <Page width="narrow">
        <EmptyState icon={MessagesSquare} title={t("title")} body={t("staffOnly")} />
      </Page>
    );
  }
  if (chosen === undefined && latest.isError) {
    return (
      <Page width="narrow">
        <ErrorBanner details={[describeError(latest.error, tc)]} onRetry={() => void latest.refetch()}>
          {t("loadFailed")}
        </ErrorBanner>
      </Page>
    );
  }
  if (chosen === undefined) {
    return <PageSpinner />;
  }
  if (chosen === null) {
    return <StartChatForm onStarted={(chat) => setChosen(chat.id)} />;
  }
  return <ChatConversation key={chosen} chatId={chosen} viewer={user} onNewChat={() => setChosen(null)} />;
}

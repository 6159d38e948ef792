// /chat: the customer's live chat. Shows their open chat (or the one that just ended, to rate it),
// otherwise the form that starts one.

import { useQuery } from "@tanstack/react-query";
import { MessagesSquare } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { EmptyState, Page, PageSpinner } from "@/components";
import { useSession } from "@/lib/client";
import { latestChatQuery } from "./api/queries";
import { ChatConversation } from "./components/ChatConversation";
import { LoadFailed } from "./components/LoadFailed";
import { StartChatForm } from "./components/StartChatForm";
import { CHAT_NAMESPACE } from "./i18n";
import { chatToResume } from "./model/resume";

export function ChatPage() {
  const { t } = useTranslation(CHAT_NAMESPACE);
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
    return <LoadFailed error={latest.error} onRetry={() => void latest.refetch()} />;
  }
  if (chosen === undefined) {
    return <PageSpinner />;
  }
  if (chosen === null) {
    return <StartChatForm onStarted={(chat) => setChosen(chat.id)} />;
  }
  return <ChatConversation key={chosen} chatId={chosen} viewer={user} onNewChat={() => setChosen(null)} />;
}

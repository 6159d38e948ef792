// Placeholder until the live chat feature lands here (features/chat/ is its own feature).
import { MessagesSquare } from "lucide-react";
import { useTranslation } from "react-i18next";
import { EmptyState, Page, PageHeader } from "@/components";

export function ChatPage() {
  const { t } = useTranslation();
  return (
    <Page>
      <PageHeader title={t("nav.chat")} />
      <EmptyState icon={MessagesSquare} title={t("nav.chat")} />
    </Page>
  );
}

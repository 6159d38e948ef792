// The page-level failure to load the chat (or the customer's chats), with a retry.

import { useTranslation } from "react-i18next";
import { ErrorBanner, Page } from "@/components";
import { describeError } from "@/lib/errors";
import { CHAT_NAMESPACE } from "../i18n";

export function LoadFailed({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const { t } = useTranslation(CHAT_NAMESPACE);
  const { t: tc } = useTranslation();
  return (
    <Page width="narrow">
      <ErrorBanner details={[describeError(error, tc)]} onRetry={onRetry}>
        {t("loadFailed")}
      </ErrorBanner>
    </Page>
  );
}

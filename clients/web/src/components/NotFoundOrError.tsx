import { Code } from "@connectrpc/connect";
import { HelpdeskError } from "@helpdesk/client";
import { FileQuestion } from "lucide-react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { describeError } from "@/lib/errors";
import { EmptyState } from "./EmptyState";
import { ErrorBanner } from "./ErrorBanner";
import { Page } from "./Page";

/** A page whose object failed to load: "not found" (a missing or malformed id) or the error with a retry. */
export function NotFoundOrError({ error, onRetry, title, body, action }: { error: unknown; onRetry: () => void; title: string; body: string; action: ReactNode }) {
  const { t } = useTranslation();
  const code = HelpdeskError.from(error).code;
  return (
    <Page>
      {code === Code.NotFound || code === Code.InvalidArgument ? (
        <EmptyState icon={FileQuestion} title={title} body={body} action={action} />
      ) : (
        <ErrorBanner onRetry={onRetry}>{describeError(error, t)}</ErrorBanner>
      )}
    </Page>
  );
}

import type { ErrorComponentProps } from "@tanstack/react-router";
import { useTranslation } from "react-i18next";
import { ErrorBanner, Page } from "@/components";
import { describeError } from "@/lib/errors";

/** Shown when a page fails to load (e.g. its code chunk is unreachable while offline). */
export function RouteError({ error, reset }: ErrorComponentProps) {
  const { t } = useTranslation();
  return (
    <Page width="narrow">
      <ErrorBanner onRetry={reset}>{describeError(error, t)}</ErrorBanner>
    </Page>
  );
}

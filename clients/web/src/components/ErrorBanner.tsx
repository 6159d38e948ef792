import type { ReactNode } from "react";
import { CircleAlert, Info, X } from "lucide-react";
import { useTranslation } from "react-i18next";
import { cx } from "@/lib/cx";

/**
 * A message across a form or page: `danger` for failures (announced at once), `info` for notices.
 * `details` lists extra lines (e.g. field errors the form could not place).
 */
export function ErrorBanner({
  children,
  details = [],
  tone = "danger",
  onRetry,
  onDismiss,
  className,
}: {
  children: ReactNode;
  details?: readonly string[];
  tone?: "danger" | "info";
  onRetry?: () => void;
  onDismiss?: () => void;
  className?: string;
}) {
  const { t } = useTranslation();
  const Icon = tone === "danger" ? CircleAlert : Info;
  return (
    <div
      role={tone === "danger" ? "alert" : "status"}
      className={cx(
        "flex items-start gap-3 rounded-lg border px-4 py-3 text-sm",
        tone === "danger" ? "border-danger-border bg-danger-soft text-danger" : "border-accent/30 bg-accent-soft text-accent-soft-fg",
        className,
      )}
    >
      <Icon aria-hidden="true" className="mt-0.5 size-4 shrink-0" />
      <div className="min-w-0 flex-1">
        <p className="font-medium">{children}</p>
        {details.length > 0 ? (
          <ul className="mt-1 list-disc pl-5">
            {details.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        ) : null}
        {onRetry ? (
          <button type="button" onClick={onRetry} className="mt-2 font-medium underline underline-offset-2">
            {t("common.retry")}
          </button>
        ) : null}
      </div>
      {onDismiss ? (
        <button type="button" onClick={onDismiss} aria-label={t("common.dismiss")} className="rounded p-0.5 hover:bg-black/5 dark:hover:bg-white/10">
          <X aria-hidden="true" className="size-4" />
        </button>
      ) : null}
    </div>
  );
}

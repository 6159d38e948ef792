import { LoaderCircle } from "lucide-react";
import { useTranslation } from "react-i18next";
import { cx } from "@/lib/cx";

/** A spinning indicator; with `label`, announced to screen readers. */
export function Spinner({ size = "md", label, className }: { size?: "sm" | "md" | "lg"; label?: string; className?: string }) {
  const dimension = size === "sm" ? "size-4" : size === "md" ? "size-5" : "size-8";
  return (
    <span role={label ? "status" : undefined} className={cx("inline-flex items-center gap-2 text-muted", className)}>
      <LoaderCircle aria-hidden="true" className={cx("animate-spin", dimension)} />
      {label ? <span className="sr-only">{label}</span> : null}
    </span>
  );
}

/** A centred spinner for a page or panel that is loading. */
export function PageSpinner() {
  const { t } = useTranslation();
  return (
    <div className="flex min-h-[40vh] items-center justify-center">
      <Spinner size="lg" label={t("app.loading")} />
    </div>
  );
}

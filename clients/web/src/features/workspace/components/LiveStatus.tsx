import { useTranslation } from "react-i18next";
import type { WatchState } from "@/lib/ticket-watch";
import { cx } from "@/lib/cx";

/** A quiet "Live" dot, or "Reconnecting…" while the stream is down (the list then may lag). */
export function LiveStatus({ state }: { state: WatchState }) {
  const { t } = useTranslation("workspace");
  return (
    <p role="status" className="flex items-center gap-1.5 text-xs text-muted">
      <span aria-hidden="true" className={cx("size-2 rounded-full", state === "live" ? "bg-success" : state === "reconnecting" ? "animate-pulse bg-warning" : "bg-border-strong")} />
      {t(`live.${state}`)}
    </p>
  );
}

import type { ReactNode } from "react";
import { cx } from "@/lib/cx";

/** The width and padding of a page's content. */
export function Page({ children, width = "default", className }: { children: ReactNode; width?: "narrow" | "default" | "wide"; className?: string }) {
  const max = width === "narrow" ? "max-w-xl" : width === "wide" ? "max-w-6xl" : "max-w-4xl";
  return <div className={cx("mx-auto w-full px-4 py-6 sm:px-6 sm:py-10", max, className)}>{children}</div>;
}

/** A page title with an optional description and actions on the right. */
export function PageHeader({ title, description, actions }: { title: ReactNode; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
      <div className="min-w-0">
        <h1 className="text-2xl font-semibold tracking-tight text-fg">{title}</h1>
        {description ? <p className="mt-1 text-sm text-muted">{description}</p> : null}
      </div>
      {actions ? <div className="flex shrink-0 gap-2">{actions}</div> : null}
    </div>
  );
}

/** A bordered panel. */
export function Card({ children, className }: { children: ReactNode; className?: string }) {
  return <div className={cx("rounded-xl border border-border bg-surface shadow-xs", className)}>{children}</div>;
}

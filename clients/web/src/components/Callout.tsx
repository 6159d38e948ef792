import type { ReactNode } from "react";
import type { LucideIcon } from "lucide-react";

/** A quiet panel pointing somewhere else ("Still need help? Contact support"). */
export function Callout({ icon: Icon, title, body, action }: { icon?: LucideIcon; title: ReactNode; body: ReactNode; action: ReactNode }) {
  return (
    <div className="flex flex-col items-start gap-3 rounded-xl border border-border bg-surface p-5 sm:flex-row sm:items-center">
      {Icon ? (
        <span className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-accent-soft text-accent-soft-fg">
          <Icon aria-hidden="true" className="size-4" />
        </span>
      ) : null}
      <div className="flex-1">
        <p className="font-medium text-fg">{title}</p>
        <p className="text-sm text-muted">{body}</p>
      </div>
      {action}
    </div>
  );
}

import type { ReactNode } from "react";
import type { LucideIcon } from "lucide-react";

/** A calm placeholder for lists with nothing to show, with an optional next step. */
export function EmptyState({ icon: Icon, title, body, action }: { icon: LucideIcon; title: ReactNode; body?: ReactNode; action?: ReactNode }) {
  return (
    <div className="flex flex-col items-center rounded-xl border border-dashed border-border-strong bg-surface px-6 py-14 text-center">
      <span className="mb-4 flex size-11 items-center justify-center rounded-full bg-accent-soft text-accent-soft-fg">
        <Icon aria-hidden="true" className="size-5" />
      </span>
      <h2 className="text-base font-semibold text-fg">{title}</h2>
      {body ? <p className="mt-1 max-w-sm text-sm text-muted">{body}</p> : null}
      {action ? <div className="mt-5">{action}</div> : null}
    </div>
  );
}

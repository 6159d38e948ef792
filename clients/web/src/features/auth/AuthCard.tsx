import type { ReactNode } from "react";
import { LifeBuoy } from "lucide-react";

/** The centred card of the sign-in and registration pages. */
export function AuthCard({ title, subtitle, children, footer }: { title: string; subtitle: string; children: ReactNode; footer: ReactNode }) {
  return (
    <div className="mx-auto w-full max-w-md px-4 py-10 sm:py-16">
      <div className="mb-6 flex flex-col items-center text-center">
        <span className="mb-4 flex size-10 items-center justify-center rounded-xl bg-accent text-accent-fg shadow-sm">
          <LifeBuoy aria-hidden="true" className="size-5" />
        </span>
        <h1 className="text-xl font-semibold tracking-tight text-fg">{title}</h1>
        <p className="mt-1 text-sm text-muted">{subtitle}</p>
      </div>
      <div className="rounded-xl border border-border bg-surface p-6 shadow-sm sm:p-8">{children}</div>
      <p className="mt-6 text-center text-sm text-muted">{footer}</p>
    </div>
  );
}

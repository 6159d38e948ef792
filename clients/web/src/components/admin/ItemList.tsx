// The admin pages' lists of things (SLA policies, macros, canned responses): one bordered list, each
// row a title line (name and badges), a line or two about it, and the row's buttons on the right
// (under it on a phone). Also the list's loading, failed and empty states, which every such page shows.
import type { UseQueryResult } from "@tanstack/react-query";
import type { LucideIcon } from "lucide-react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { describeError } from "@/lib/errors";
import { EmptyState } from "../EmptyState";
import { ErrorBanner } from "../ErrorBanner";
import { Spinner } from "../Spinner";

export function ItemList({ label, busy, children }: { label: string; busy?: boolean; children: ReactNode }) {
  return (
    <ul aria-label={label} aria-busy={busy || undefined} className="divide-y divide-border rounded-xl border border-border bg-surface shadow-xs">
      {children}
    </ul>
  );
}

export function ItemRow({ title, about, actions }: { title: ReactNode; about?: ReactNode; actions?: ReactNode }) {
  return (
    <li className="flex flex-col gap-3 px-4 py-3.5 sm:flex-row sm:items-start sm:gap-4 sm:px-5">
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-center gap-2">{title}</div>
        {about}
      </div>
      {actions ? <div className="flex shrink-0 gap-2">{actions}</div> : null}
    </li>
  );
}

/**
 * A list query's states: a spinner while it loads, the failure with a retry, `empty` when it has
 * nothing (an empty state, or a "no match" line while searching), else `children` with the items.
 */
export function ListStates<T>({
  query,
  items,
  loadFailed,
  empty,
  children,
}: {
  query: Pick<UseQueryResult<unknown>, "isPending" | "isError" | "error" | "refetch">;
  items: readonly T[];
  loadFailed: string;
  empty: { icon: LucideIcon; title: string; body: string } | { noMatch: string };
  children: (items: readonly T[]) => ReactNode;
}) {
  const { t: tc } = useTranslation();
  if (query.isPending) {
    return (
      <div className="flex justify-center py-16">
        <Spinner size="lg" label={tc("app.loading")} />
      </div>
    );
  }
  if (query.isError) return <ErrorBanner onRetry={() => void query.refetch()}>{`${loadFailed} ${describeError(query.error, tc)}`}</ErrorBanner>;
  if (items.length === 0) {
    return "noMatch" in empty ? <p className="py-10 text-center text-sm text-muted">{empty.noMatch}</p> : <EmptyState icon={empty.icon} title={empty.title} body={empty.body} />;
  }
  return <>{children(items)}</>;
}

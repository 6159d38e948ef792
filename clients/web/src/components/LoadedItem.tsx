// The page of one stored item (a ticket, a macro, an SLA policy): a spinner while it loads, then the
// item's own page; missing or unreadable, the not-found or failure page (with retry) and a way back
// to the list.
import type { UseQueryResult } from "@tanstack/react-query";
import { Link, type LinkProps } from "@tanstack/react-router";
import type { ReactNode } from "react";
import { buttonClasses } from "./Button";
import { NotFoundOrError } from "./NotFoundOrError";
import { PageSpinner } from "./Spinner";

export function LoadedItem<T>({
  query,
  notFound,
  notFoundBody = "",
  back,
  list,
  children,
}: {
  query: UseQueryResult<T>;
  /** The not-found page's title, and what it says under it. */
  notFound: string;
  notFoundBody?: string;
  /** The way back's label, and the list it leads to. */
  back: string;
  list: LinkProps["to"];
  /** The loaded item's page (an editor, say). */
  children: (item: T) => ReactNode;
}) {
  if (query.isPending) return <PageSpinner />;
  if (query.isError) {
    return (
      <NotFoundOrError
        error={query.error}
        onRetry={() => void query.refetch()}
        title={notFound}
        body={notFoundBody}
        action={
          <Link to={list} className={buttonClasses("secondary")}>
            {back}
          </Link>
        }
      />
    );
  }
  return children(query.data);
}

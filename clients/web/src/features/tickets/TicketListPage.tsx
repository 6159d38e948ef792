import { getRouteApi, Link } from "@tanstack/react-router";
import { BookOpen, Inbox, Plus, SearchX } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Button, buttonClasses, Callout, EmptyState, ErrorBanner, Page, PageHeader } from "@/components";
import { useSession } from "@/lib/client";
import { useDocumentTitle } from "@/lib/title";
import { describeError } from "@/lib/errors";
import { useTicketList } from "./api";
import { TicketFilters } from "./components/TicketFilters";
import { TicketList, TicketListSkeleton } from "./components/TicketList";
import "./i18n";

const route = getRouteApi("/tickets/");

/** `/tickets`: the customer's tickets (for agents and admins, every ticket), filtered by the URL. */
export function TicketListPage() {
  const { t } = useTranslation("tickets");
  const { t: tc } = useTranslation();
  const { isStaff } = useSession();
  useDocumentTitle(isStaff ? t("list.titleStaff") : t("list.title"));
  const search = route.useSearch();
  const list = useTicketList(search, isStaff);
  const tickets = list.data?.pages.flatMap((page) => page.tickets) ?? [];
  const filtered = Boolean(search.q || search.status || search.priority);

  const newTicket = isStaff ? null : (
    <Link to="/tickets/new" className={buttonClasses("primary")}>
      <Plus aria-hidden="true" className="size-4" />
      {t("list.newTicket")}
    </Link>
  );

  let body;
  if (list.isPending) {
    body = <TicketListSkeleton />;
  } else if (list.isError && tickets.length === 0) {
    body = <ErrorBanner onRetry={() => void list.refetch()}>{describeError(list.error, tc)}</ErrorBanner>;
  } else if (tickets.length === 0) {
    body = filtered ? (
      <EmptyState
        icon={SearchX}
        title={t("list.noMatchTitle")}
        body={t("list.noMatchBody")}
        action={
          <Link to="/tickets" search={{}} className={buttonClasses("secondary")}>
            {t("list.clearFilters")}
          </Link>
        }
      />
    ) : (
      <EmptyState icon={Inbox} title={t("list.emptyTitle")} body={t("list.emptyBody")} action={newTicket} />
    );
  } else {
    body = (
      <>
        <TicketList tickets={tickets} showCustomer={isStaff} />
        <div className="mt-4 flex items-center justify-between gap-4">
          <p className="text-xs text-muted" aria-live="polite">
            {t("list.count", { count: tickets.length })}
          </p>
          {list.hasNextPage ? (
            <Button variant="secondary" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
              {tc("common.loadMore")}
            </Button>
          ) : null}
        </div>
        {list.isError ? <ErrorBanner className="mt-4">{describeError(list.error, tc)}</ErrorBanner> : null}
      </>
    );
  }

  return (
    <Page width="wide">
      <PageHeader
        title={isStaff ? t("list.titleStaff") : t("list.title")}
        description={isStaff ? t("list.subtitleStaff") : t("list.subtitle")}
        actions={newTicket}
      />
      <div className="mb-5">
        <TicketFilters />
      </div>
      <div aria-busy={list.isFetching}>{body}</div>
      {isStaff ? null : (
        <div className="mt-8">
          <Callout
            icon={BookOpen}
            title={t("list.helpTitle")}
            body={t("list.helpBody")}
            action={
              <Link to="/help" className={buttonClasses("secondary", "sm")}>
                {t("list.helpLink")}
              </Link>
            }
          />
        </div>
      )}
    </Page>
  );
}

import { TicketStatus } from "@helpdesk/client";
import { getRouteApi, Link } from "@tanstack/react-router";
import { ArrowLeft } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button, Dialog, ErrorBanner, LoadedItem, Page } from "@/components";
import { useSession } from "@/lib/client";
import { useDocumentTitle } from "@/lib/title";
import { describeError } from "@/lib/errors";
import { formatRelative } from "@/lib/format";
import { useCloseTicket, useLiveTicket, useTicket, useTicketMessages } from "./api";
import { PriorityBadge, StatusBadge } from "./components/Chips";
import { Conversation } from "./components/Conversation";
import { ReplyBox } from "./components/ReplyBox";
import { TicketRating } from "./components/TicketRating";
import { TicketSidebar } from "./components/TicketSidebar";
import "./i18n";

const route = getRouteApi("/tickets/$ticketId");

/** `/tickets/$ticketId`: the conversation, the reply box, details and timeline. */
export function TicketPage() {
  const { t, i18n } = useTranslation("tickets");
  const { t: tc } = useTranslation();
  const { ticketId } = route.useParams();
  const { user, isStaff } = useSession();
  const ticket = useTicket(ticketId);
  useDocumentTitle(ticket.data ? `#${ticket.data.number} ${ticket.data.subject}` : undefined);
  const conversation = useTicketMessages(ticketId);
  useLiveTicket(ticketId);
  const close = useCloseTicket(ticket.data);
  const [confirming, setConfirming] = useState(false);

  const messages = conversation.data?.pages.flatMap((page) => page.messages) ?? [];

  return (
    <LoadedItem query={ticket} notFound={t("ticket.notFoundTitle")} notFoundBody={t("ticket.notFoundBody")} back={t("ticket.back")} list="/tickets">
      {(data) => {
        const canClose = !isStaff && data.status !== TicketStatus.CLOSED;
        // The customer rates the help once it is resolved (or closed); staff never rate.
        const canRate = !isStaff && (data.status === TicketStatus.RESOLVED || data.status === TicketStatus.CLOSED);
        return (
          <Page width="wide">
            <Link to="/tickets" className="mb-4 inline-flex items-center gap-1.5 rounded-md text-sm text-muted hover:text-fg">
              <ArrowLeft aria-hidden="true" className="size-4" />
              {t("ticket.back")}
            </Link>
            <div className="mb-6 flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
              <div className="min-w-0">
                <p className="text-sm font-medium text-muted tabular-nums">#{data.number}</p>
                <h1 className="mt-0.5 text-xl font-semibold tracking-tight break-words text-fg sm:text-2xl">{data.subject}</h1>
                <p className="mt-1 text-sm text-muted">
                  {t("ticket.opened", { when: formatRelative(data.createTime, i18n.language) })}
                  {isStaff ? ` · ${t("ticket.by", { name: data.customerDisplayName })}` : null}
                </p>
                {/* On narrow screens the details panel comes after the conversation: the chips say the essentials here. */}
                <div className="mt-3 flex flex-wrap gap-2 lg:hidden">
                  <StatusBadge status={data.status} />
                  <PriorityBadge priority={data.priority} />
                </div>
              </div>
              {canClose ? (
                <Button variant="secondary" onClick={() => setConfirming(true)}>
                  {t("ticket.closeTicket")}
                </Button>
              ) : null}
            </div>
            <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_18rem]">
              <section aria-label={t("ticket.conversation")} className="flex min-w-0 flex-col gap-5">
                {close.isError ? <ErrorBanner>{describeError(close.error, tc)}</ErrorBanner> : null}
                <Conversation ticket={data} messages={messages} viewerId={user?.id ?? ""} />
                {conversation.isError ? (
                  <ErrorBanner onRetry={() => void conversation.refetch()}>{describeError(conversation.error, tc)}</ErrorBanner>
                ) : null}
                {conversation.hasNextPage ? (
                  <div>
                    <Button variant="secondary" loading={conversation.isFetchingNextPage} onClick={() => void conversation.fetchNextPage()}>
                      {t("ticket.olderMessages")}
                    </Button>
                  </div>
                ) : null}
                {canRate ? <TicketRating ticket={data} /> : null}
                <ReplyBox ticket={data} />
              </section>
              <aside className="min-w-0">
                <TicketSidebar ticket={data} messages={messages} />
              </aside>
            </div>
            <Dialog
              open={confirming}
              onClose={() => setConfirming(false)}
              title={t("ticket.closeTitle")}
              description={t("ticket.closeBody")}
              footer={
                <>
                  <Button variant="secondary" onClick={() => setConfirming(false)}>
                    {tc("common.cancel")}
                  </Button>
                  <Button
                    loading={close.isPending}
                    onClick={() => {
                      close.mutate(undefined, { onSettled: () => setConfirming(false) });
                    }}
                  >
                    {t("ticket.closeConfirm")}
                  </Button>
                </>
              }
            />
          </Page>
        );
      }}
    </LoadedItem>
  );
}

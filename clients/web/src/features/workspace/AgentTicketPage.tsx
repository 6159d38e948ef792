import { getRouteApi, Link } from "@tanstack/react-router";
import { ArrowLeft, Wand2 } from "lucide-react";
import { lazy, Suspense, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button, ErrorBanner, LoadedItem, PriorityBadge, StatusBadge } from "@/components";
import { useSession } from "@/lib/client";
import { describeError } from "@/lib/errors";
import { formatRelative } from "@/lib/format";
import { useShortcut } from "@/lib/shortcuts";
import { newRequestId } from "@/lib/ids";
import { useDocumentTitle } from "@/lib/title";
import { isEtagConflict, useAgentTicket, useConversation, useEditTicket } from "./api";
import { AgentConversation } from "./components/AgentConversation";
import { Composer } from "./components/Composer";
import { LiveStatus } from "./components/LiveStatus";
import { TicketControls } from "./components/TicketControls";
import { SlaBadge } from "./components/SlaBadge";
import { Activity, OtherTickets } from "./components/TicketSide";
import { useLiveTicket } from "./hooks/use-live-ticket";
import "./i18n";

const route = getRouteApi("/agent/tickets/$ticketId");
// Loaded when the agent first opens it.
const MacroMenu = lazy(() => import("./components/MacroMenu").then((module) => ({ default: module.MacroMenu })));

/** `/agent/tickets/$ticketId`: conversation with notes, composer, controls, activity; live. */
export function AgentTicketPage() {
  const { t, i18n } = useTranslation("workspace");
  const { t: tc } = useTranslation();
  const { ticketId } = route.useParams();
  const { user } = useSession();
  const ticket = useAgentTicket(ticketId);
  const conversation = useConversation(ticketId);
  const edit = useEditTicket(ticket.data);
  const live = useLiveTicket(ticketId);
  const [macros, setMacros] = useState<"closed" | "open" | "used">("closed");
  useDocumentTitle(ticket.data ? `#${ticket.data.number} ${ticket.data.subject}` : undefined);
  useShortcut(
    "a",
    () => {
      if (ticket.data && ticket.data.assigneeId !== user?.id && !edit.isPending) edit.mutate({ kind: "assign", assigneeId: "me" });
    },
    { description: t("keys.assignMe"), group: t("keys.ticket") },
  );

  const messages = conversation.data?.pages.flatMap((page) => page.messages) ?? [];
  const conflict = edit.isError && isEtagConflict(edit.error);

  return (
    <LoadedItem query={ticket} notFound={t("ticket.notFoundTitle")} notFoundBody={t("ticket.notFoundBody")} back={t("ticket.back")} list="/agent/tickets">
      {(data) => (
        <div className="mx-auto w-full max-w-6xl px-4 py-6 sm:px-6">
          <div className="mb-4 flex items-center justify-between gap-3">
            <Link to="/agent/tickets" className="inline-flex items-center gap-1.5 rounded-md text-sm text-muted hover:text-fg">
              <ArrowLeft aria-hidden="true" className="size-4" />
              {t("ticket.back")}
            </Link>
            <LiveStatus state={live} />
          </div>
          <div className="mb-5 flex flex-wrap items-start justify-between gap-3">
            <div className="min-w-0">
              <p className="text-sm font-medium text-muted tabular-nums">#{data.number}</p>
              <h1 className="mt-0.5 text-xl font-semibold tracking-tight break-words text-fg sm:text-2xl">{data.subject}</h1>
              <div className="mt-2 flex flex-wrap items-center gap-2 text-sm text-muted">
                <StatusBadge status={data.status} label={(name) => t(`status.${name}`)} />
                <PriorityBadge priority={data.priority} label={(name) => t(`priority.${name}`)} />
                <SlaBadge ticket={data} />
                <span>{t("ticket.opened", { when: formatRelative(data.createTime, i18n.language), name: data.customerDisplayName })}</span>
              </div>
            </div>
            <Button
              variant="secondary"
              size="sm"
              loading={edit.isPending && edit.variables.kind === "macro"}
              disabled={edit.isPending}
              icon={<Wand2 aria-hidden="true" className="size-4" />}
              onClick={() => setMacros("open")}
            >
              {t("ticket.macros")}
            </Button>
            {macros !== "closed" ? (
              <Suspense fallback={null}>
                <MacroMenu
                  open={macros === "open"}
                  onClose={() => setMacros("used")}
                  // With the etag the agent is looking at: a change made meanwhile is the conflict below.
                  onApply={(macro) => edit.mutate({ kind: "macro", macroId: macro.id, requestId: newRequestId() })}
                />
              </Suspense>
            ) : null}
          </div>
          {conflict ? (
            <ErrorBanner tone="info" className="mb-4" onDismiss={() => edit.reset()}>
              {t("ticket.conflict")}
            </ErrorBanner>
          ) : edit.isError ? (
            <ErrorBanner className="mb-4" onDismiss={() => edit.reset()}>
              {describeError(edit.error, tc)}
            </ErrorBanner>
          ) : null}
          <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
            <section aria-label={t("ticket.conversation")} className="flex min-w-0 flex-col gap-4">
              {conversation.hasNextPage ? (
                <div>
                  <Button variant="secondary" size="sm" loading={conversation.isFetchingNextPage} onClick={() => void conversation.fetchNextPage()}>
                    {t("ticket.olderMessages")}
                  </Button>
                </div>
              ) : null}
              <AgentConversation ticket={data} messages={messages} viewerId={user?.id ?? ""} />
              {conversation.isError ? <ErrorBanner onRetry={() => void conversation.refetch()}>{describeError(conversation.error, tc)}</ErrorBanner> : null}
              <Composer ticket={data} />
            </section>
            <aside className="flex min-w-0 flex-col gap-4" aria-label={t("ticket.details")}>
              <TicketControls ticket={data} busy={edit.isPending} onEdit={(change) => edit.mutate(change)} viewerId={user?.id ?? ""} />
              <Activity ticketId={data.id} />
              <OtherTickets ticket={data} />
            </aside>
          </div>
        </div>
      )}
    </LoadedItem>
  );
}

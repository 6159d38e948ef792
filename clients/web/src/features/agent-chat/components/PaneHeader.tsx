// A pane's title bar: the customer and topic, then Ticket (create, or open the one made), Transfer,
// End and Close (closing only hides it).

import { type Chat } from "@helpdesk/client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { X } from "lucide-react";
import { lazy, Suspense, useState } from "react";
import { Link } from "@tanstack/react-router";
import { useTranslation } from "react-i18next";
import { Avatar, Button, buttonClasses, ConfirmDialog } from "@/components";
import { storeChat } from "@/lib/chat/queries";
import { client } from "@/lib/client";
import { describeError } from "@/lib/errors";
import { AGENT_CHAT_NAMESPACE } from "../i18n";

// Loaded when the agent first opens it: most chats are never transferred.
const TransferDialog = lazy(() => import("./TransferDialog").then((module) => ({ default: module.TransferDialog })));

export function PaneHeader({
  chat,
  name,
  canAct,
  canTicket,
  onClose,
}: {
  chat: Chat;
  name: string;
  canAct: boolean;
  /** The agent's own chat, going on or ended: it can become a ticket. */
  canTicket: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation(AGENT_CHAT_NAMESPACE);
  const { t: tc } = useTranslation();
  const queryClient = useQueryClient();
  const [dialog, setDialog] = useState<"end" | "transfer">();
  const end = useMutation({
    mutationFn: () => client.chat.endChat({ id: chat.id }),
    onSuccess: (answer) => {
      storeChat(queryClient, answer); // the agent's list hears of it on the queue stream
      setDialog(undefined);
    },
  });

  // Idempotent on the server: a second click (or another tab) answers the same ticket.
  const ticket = useMutation({ mutationFn: () => client.chat.createTicketFromChat({ id: chat.id }) });
  const ticketId = chat.ticketId || ticket.data?.id;

  return (
    // A narrow pane (two side by side, a tablet) puts the actions on a row of their own under the
    // customer's name, which would otherwise be squeezed to a letter or two.
    <header className="@container border-b border-border">
      <div className="flex flex-wrap items-center gap-x-2.5 gap-y-2 px-3 py-2.5">
        <Avatar name={name} className="size-8 text-[11px]" />
        <div className="min-w-0 flex-1">
          <h2 className="truncate text-sm font-semibold text-fg">{name}</h2>
          <p className="truncate text-xs text-muted" title={chat.topic || undefined}>
            {chat.topic ? t("pane.topic", { topic: chat.topic }) : t("pane.noTopic")}
          </p>
        </div>
        <div className="order-last flex w-full flex-wrap items-center gap-2 empty:hidden @lg:order-none @lg:w-auto">
          {ticketId ? (
            <Link to="/agent/tickets/$ticketId" params={{ ticketId }} className={buttonClasses("secondary", "sm")}>
              {t("pane.ticket")}
            </Link>
          ) : canTicket ? (
            <Button variant="secondary" size="sm" loading={ticket.isPending} onClick={() => ticket.mutate()} title={ticket.isError ? describeError(ticket.error, tc) : undefined}>
              {ticket.isError ? t("pane.ticketRetry") : t("pane.createTicket")}
            </Button>
          ) : null}
          {canAct ? (
            <>
              <Button variant="secondary" size="sm" onClick={() => setDialog("transfer")}>
                {t("pane.transfer")}
              </Button>
              <Button variant="secondary" size="sm" onClick={() => setDialog("end")}>
                {t("pane.end")}
              </Button>
            </>
          ) : null}
        </div>
        <button
          type="button"
          onClick={onClose}
          aria-label={t("pane.closeLabel", { name })}
          title={t("pane.close")}
          className="flex size-8 shrink-0 items-center justify-center rounded-md text-muted hover:bg-subtle hover:text-fg"
        >
          <X aria-hidden="true" className="size-4" />
        </button>
      </div>
      <ConfirmDialog
        open={dialog === "end"}
        onClose={() => setDialog(undefined)}
        onConfirm={() => end.mutate()}
        title={t("end.title")}
        description={t("end.confirm", { name })}
        cancelLabel={t("end.no")}
        confirmLabel={t("end.yes")}
        pendingLabel={t("end.ending")}
        pending={end.isPending}
        error={end.isError ? describeError(end.error, tc) : undefined}
      />
      {dialog === "transfer" ? (
        <Suspense fallback={null}>
          <TransferDialog chat={chat} name={name} onClose={() => setDialog(undefined)} />
        </Suspense>
      ) : null}
    </header>
  );
}

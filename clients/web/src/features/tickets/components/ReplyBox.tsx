import { HelpdeskError, TicketStatus, type Ticket } from "@helpdesk/client";
import { Info, Send } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button, ErrorBanner, TextArea } from "@/components";
import { useDraft } from "@/lib/drafts";
import { describeError, mapViolations } from "@/lib/errors";
import { newRequestId } from "@/lib/ids";
import { useAddReply } from "../api";

interface ReplyDraft {
  body: string;
  /** Kept with the text: resending the same reply after a lost answer adds it once. */
  requestId: string;
}

/** The reply form: the text stays (in sessionStorage too) until the server has acknowledged it. */
export function ReplyBox({ ticket }: { ticket: Ticket }) {
  const { t } = useTranslation("tickets");
  const { t: tc } = useTranslation();
  const [initial] = useState<ReplyDraft>(() => ({ body: "", requestId: newRequestId() }));
  const [draft, setDraft] = useDraft<ReplyDraft>(`reply.${ticket.id}`, initial);
  const [fieldError, setFieldError] = useState<string>();
  const [banner, setBanner] = useState<string>();
  const reply = useAddReply(ticket.id);

  if (ticket.status === TicketStatus.CLOSED) {
    return (
      <p className="flex items-center gap-2 rounded-xl border border-border bg-subtle px-4 py-3 text-sm text-muted">
        <Info aria-hidden="true" className="size-4 shrink-0" />
        {t("ticket.closedNote")}
      </p>
    );
  }

  const send = async () => {
    setBanner(undefined);
    if (!draft.body.trim()) {
      setFieldError(tc("errors.field.required"));
      return;
    }
    try {
      await reply.mutateAsync({ body: draft.body, requestId: draft.requestId });
      // A fresh id for the next reply: reusing this one would return this message again.
      setDraft({ body: "", requestId: newRequestId() });
    } catch (error) {
      const failure = HelpdeskError.from(error);
      const placed = mapViolations(failure.fieldViolations, ["body"] as const, tc);
      if (placed.fields.body) setFieldError(placed.fields.body);
      else setBanner(describeError(failure, tc)); // the text stays in the box for another try
    }
  };

  const note =
    ticket.status === TicketStatus.RESOLVED ? t("ticket.reopenNote") : ticket.status === TicketStatus.WAITING_ON_CUSTOMER ? t("ticket.waitingNote") : undefined;

  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
      className="flex flex-col gap-3 rounded-xl border border-border bg-surface p-4 shadow-xs"
    >
      {note ? (
        <p className="flex items-center gap-2 text-[13px] text-muted">
          <Info aria-hidden="true" className="size-4 shrink-0 text-accent" />
          {note}
        </p>
      ) : null}
      {banner ? <ErrorBanner>{banner}</ErrorBanner> : null}
      <TextArea
        label={t("ticket.replyLabel")}
        placeholder={t("ticket.replyPlaceholder")}
        rows={4}
        value={draft.body}
        error={fieldError}
        onChange={(event) => {
          setDraft({ ...draft, body: event.target.value });
          setFieldError(undefined);
        }}
        onKeyDown={(event) => {
          if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) {
            event.preventDefault();
            void send();
          }
        }}
      />
      <div className="flex items-center justify-between gap-3">
        <p className="text-xs text-muted">{draft.body ? t("ticket.draftSaved") : "\u00a0"}</p>
        <Button type="submit" loading={reply.isPending} icon={<Send aria-hidden="true" className="size-4" />}>
          {t("ticket.send")}
        </Button>
      </div>
    </form>
  );
}

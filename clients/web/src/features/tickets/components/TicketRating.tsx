// The customer's satisfaction rating of a resolved or closed ticket: 1 to 5 stars and an optional
// comment, sent once; afterwards the rating is shown instead of the form.

import { Code } from "@connectrpc/connect";
import { HelpdeskError, type Ticket } from "@helpdesk/client";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Button, ErrorBanner, TextArea } from "@/components";
import { StarRating, Stars } from "@/components/StarRating";
import { describeError, mapViolations } from "@/lib/errors";
import { useRateTicket } from "../api";

// RateTicketRequest.comment's limit.
const MAX_COMMENT = 1000;

/** What the customer said about a rated ticket. */
function RatingSummary({ ticket, thanks }: { ticket: Ticket; thanks: boolean }) {
  const { t } = useTranslation("tickets");
  return (
    <div role="status" className="flex flex-col gap-1.5">
      {thanks ? <p className="text-sm font-medium text-fg">{t("rating.thanks")}</p> : null}
      <div className="flex items-center gap-2 text-sm text-muted">
        <Stars value={ticket.rating} size="size-4" />
        <span>{t("rating.yours", { count: ticket.rating })}</span>
      </div>
      {ticket.ratingComment ? <p className="text-sm break-words whitespace-pre-wrap text-fg">{ticket.ratingComment}</p> : null}
    </div>
  );
}

/** The "rate this ticket" card of the customer's ticket page (resolved or closed tickets only). */
export function TicketRating({ ticket }: { ticket: Ticket }) {
  const { t } = useTranslation("tickets");
  const { t: tc } = useTranslation();
  const [rating, setRating] = useState(0);
  const [comment, setComment] = useState("");
  const [missing, setMissing] = useState(false);
  const [justRated, setJustRated] = useState(false);
  const rate = useRateTicket(ticket.id);

  if (ticket.rating > 0) {
    return (
      <section aria-label={t("rating.heading")} className="rounded-xl border border-border bg-surface p-4 shadow-xs">
        <RatingSummary ticket={ticket} thanks={justRated} />
      </section>
    );
  }

  const failure = rate.error === null ? undefined : HelpdeskError.from(rate.error);
  const fields =
    failure?.code === Code.InvalidArgument ? mapViolations(failure.fieldViolations, ["rating", "comment"] as const, tc).fields : {};
  const tooLong = comment.length > MAX_COMMENT;
  const message =
    failure === undefined
      ? undefined
      : failure.reason === "ALREADY_RATED"
        ? t("rating.alreadyRated")
        : failure.reason === "TICKET_NOT_RESOLVED"
          ? t("rating.notResolved")
          : failure.code === Code.InvalidArgument && Object.keys(fields).length > 0
            ? undefined
            : describeError(failure, tc);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (rating < 1) {
      setMissing(true);
      return;
    }
    if (!tooLong && !rate.isPending) {
      rate.mutate({ rating, comment: comment.trim() }, { onSuccess: () => setJustRated(true) });
    }
  };

  return (
    <form noValidate onSubmit={submit} className="flex flex-col gap-3 rounded-xl border border-border bg-surface p-4 shadow-xs">
      <div>
        <h2 className="text-sm font-semibold text-fg">{t("rating.heading")}</h2>
        <p className="mt-0.5 text-[13px] text-muted">{t("rating.body")}</p>
      </div>
      {message ? <ErrorBanner>{message}</ErrorBanner> : null}
      <StarRating
        legend={t("rating.legend")}
        starLabel={(count) => t("rating.star", { count })}
        value={rating}
        onChange={(value) => {
          setRating(value);
          setMissing(false);
        }}
        error={missing ? t("rating.required") : fields.rating}
      />
      <TextArea
        label={t("rating.comment")}
        optional
        rows={3}
        value={comment}
        onChange={(event) => setComment(event.target.value)}
        error={tooLong ? tc("errors.field.maxChars", { count: MAX_COMMENT }) : fields.comment}
      />
      <div className="flex justify-end">
        <Button type="submit" loading={rate.isPending}>
          {rate.isPending ? t("rating.submitting") : t("rating.submit")}
        </Button>
      </div>
    </form>
  );
}

// Rating an ended chat: 1 to 5 stars (a radio group, keyboard-friendly) and optional feedback,
// sent once; a second rating is refused by the server and explained here.

import { Code } from "@connectrpc/connect";
import { HelpdeskError } from "@helpdesk/client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Star } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Button, ErrorBanner, TextArea } from "@/components";
import { client } from "@/lib/client";
import { cx } from "@/lib/cx";
import { describeError, mapViolations } from "@/lib/errors";
import { chatKeys, storeChat } from "@/lib/chat/queries";
import { latestChatKey } from "../api/queries";
import { CHAT_NAMESPACE } from "../i18n";
import { characterCount, MAX_FEEDBACK_LENGTH } from "@/lib/chat/limits";

const STARS = [1, 2, 3, 4, 5] as const;

function Stars({ value, size = "size-5" }: { value: number; size?: string }) {
  return (
    <span aria-hidden="true" className="flex gap-0.5">
      {STARS.map((star) => (
        <Star key={star} className={cx(size, star <= value ? "fill-current text-warning" : "text-border-strong")} />
      ))}
    </span>
  );
}

export function RatingSummary({ rating, thanks = false }: { rating: number; thanks?: boolean }) {
  const { t } = useTranslation(CHAT_NAMESPACE);
  return (
    <div role="status" className="flex flex-col gap-1">
      {thanks ? <p className="text-sm font-medium text-fg">{t("rating.thanks")}</p> : null}
      <div className="flex items-center gap-2 text-sm text-muted">
        <Stars value={rating} size="size-4" />
        <span>{t("rating.yourRating", { count: rating })}</span>
      </div>
    </div>
  );
}

export function RatingForm({ chatId, onRated }: { chatId: string; onRated: () => void }) {
  const { t } = useTranslation(CHAT_NAMESPACE);
  const { t: tc } = useTranslation();
  const queryClient = useQueryClient();
  const [rating, setRating] = useState(0);
  const [hover, setHover] = useState(0);
  const [feedback, setFeedback] = useState("");
  const [missing, setMissing] = useState(false);
  const name = useId();
  const rate = useMutation({
    mutationFn: () => client.chat.rateChat({ id: chatId, rating, feedback: feedback.trim() }),
    onSuccess: (chat) => {
      onRated();
      storeChat(queryClient, chat);
      void queryClient.invalidateQueries({ queryKey: latestChatKey });
    },
    onError: (error) => {
      if (HelpdeskError.from(error).reason === "CHAT_ALREADY_RATED") {
        void queryClient.invalidateQueries({ queryKey: chatKeys.chat(chatId) });
      }
    },
  });

  const failure = rate.error === null ? undefined : HelpdeskError.from(rate.error);
  const fields =
    failure?.code === Code.InvalidArgument ? mapViolations(failure.fieldViolations, ["rating", "feedback"] as const, tc).fields : {};
  const feedbackTooLong = characterCount(feedback) > MAX_FEEDBACK_LENGTH;
  const message =
    failure === undefined
      ? undefined
      : failure.reason === "CHAT_ALREADY_RATED"
        ? t("rating.alreadyRated")
        : failure.code === Code.InvalidArgument && Object.keys(fields).length > 0
          ? undefined
          : describeError(failure, tc);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (rating < 1) {
      setMissing(true);
      return;
    }
    if (!feedbackTooLong && !rate.isPending) {
      rate.mutate();
    }
  };

  const shown = hover || rating;
  return (
    <form noValidate onSubmit={submit} className="flex flex-col gap-3">
      <h2 className="text-sm font-semibold text-fg">{t("rating.heading")}</h2>
      {message ? <ErrorBanner>{message}</ErrorBanner> : null}
      <fieldset aria-describedby={missing || fields.rating ? `${name}-error` : undefined}>
        <legend className="mb-1.5 text-[13px] font-medium text-fg">{t("rating.legend")}</legend>
        <div className="flex gap-1" onMouseLeave={() => setHover(0)}>
          {STARS.map((star) => (
            <label
              key={star}
              onMouseEnter={() => setHover(star)}
              className="relative rounded-md p-1 has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-focus"
            >
              <input
                type="radio"
                name={name}
                value={star}
                checked={rating === star}
                onChange={() => {
                  setRating(star);
                  setMissing(false);
                }}
                // Transparent over the star, so a click or tap lands on the radio itself.
                className="absolute inset-0 m-0 size-full cursor-pointer opacity-0"
              />
              <span className="sr-only">{t("rating.star", { count: star })}</span>
              <Star aria-hidden="true" className={cx("pointer-events-none size-7 transition-colors", star <= shown ? "fill-current text-warning" : "text-border-strong")} />
            </label>
          ))}
        </div>
        {missing || fields.rating ? (
          <p id={`${name}-error`} className="mt-1 text-[13px] text-danger">
            {fields.rating ?? t("rating.required")}
          </p>
        ) : null}
      </fieldset>
      <TextArea
        label={t("rating.feedback")}
        optional
        rows={3}
        value={feedback}
        onChange={(event) => setFeedback(event.target.value)}
        error={feedbackTooLong ? tc("errors.field.maxChars", { count: MAX_FEEDBACK_LENGTH }) : fields.feedback}
      />
      <div className="flex justify-end">
        <Button type="submit" loading={rate.isPending}>
          {rate.isPending ? t("rating.submitting") : t("rating.submit")}
        </Button>
      </div>
    </form>
  );
}

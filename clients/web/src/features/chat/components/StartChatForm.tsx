// The form that starts a chat: a topic and the first message, sent with one request_id per
// attempt so that a double click or a retry never opens a second chat or repeats the message.

import { HelpdeskError, type Chat } from "@helpdesk/client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { MessageCircle } from "lucide-react";
import { useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { Button, Card, ErrorBanner, Page, PageHeader, TextArea, TextField } from "@/components";
import { client } from "@/lib/client";
import { useDraft } from "@/lib/drafts";
import { describeError, mapViolations } from "@/lib/errors";
import { formatNumber } from "@/lib/format";
import { newRequestId } from "@/lib/ids";
import { mergeIntoTimeline, storeChat } from "@/lib/chat/queries";
import { latestChatKey } from "../api/queries";
import { CHAT_NAMESPACE } from "../i18n";
import { characterCount, MAX_MESSAGE_LENGTH, MAX_TOPIC_LENGTH } from "@/lib/chat/limits";

type Field = "topic" | "message";

export function StartChatForm({ onStarted }: { onStarted: (chat: Chat) => void }) {
  const { t, i18n } = useTranslation(CHAT_NAMESPACE);
  const { t: tc } = useTranslation();
  const queryClient = useQueryClient();
  const [topic, setTopic, clearTopic] = useDraft("chat.start.topic", "");
  const [message, setMessage, clearMessage] = useDraft("chat.start.message", "");
  const [localError, setLocalError] = useState<Partial<Record<Field, string>>>({});
  // One id per intended chat: kept across retries, renewed once the server has answered.
  const requestId = useRef(newRequestId());

  const start = useMutation({
    mutationFn: () =>
      client.chat.startChat({ topic: topic.trim(), message: message.trim(), requestId: requestId.current }),
    onSuccess: (answer) => {
      const chat = answer.chat;
      if (chat === undefined) {
        return;
      }
      requestId.current = newRequestId();
      storeChat(queryClient, chat);
      if (answer.message) {
        mergeIntoTimeline(queryClient, chat.id, [answer.message]);
      }
      void queryClient.invalidateQueries({ queryKey: latestChatKey });
      clearTopic();
      clearMessage();
      onStarted(chat);
    },
  });

  const serverErrors =
    start.error instanceof HelpdeskError
      ? mapViolations(start.error.fieldViolations, ["topic", "message"] as const, tc)
      : { fields: {}, unplaced: [] };
  const errors = { ...serverErrors.fields, ...localError };

  const submit = (event?: FormEvent): void => {
    event?.preventDefault();
    if (start.isPending) {
      return;
    }
    const next: Partial<Record<Field, string>> = {};
    if (message.trim() === "") {
      next.message = t("start.messageRequired");
    } else if (characterCount(message) > MAX_MESSAGE_LENGTH) {
      next.message = t("composer.tooLong", { max: formatNumber(MAX_MESSAGE_LENGTH, i18n.language), count: formatNumber(characterCount(message), i18n.language) });
    }
    setLocalError(next);
    if (Object.keys(next).length === 0) {
      start.mutate();
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>): void => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <Page width="narrow">
      <PageHeader title={t("title")} description={t("subtitle")} />
      <Card className="p-5 sm:p-6">
        <div className="mb-5 flex items-start gap-3">
          <span className="flex size-9 shrink-0 items-center justify-center rounded-full bg-accent-soft text-accent-soft-fg">
            <MessageCircle aria-hidden="true" className="size-4" />
          </span>
          <div>
            <h2 className="text-base font-semibold text-fg">{t("start.heading")}</h2>
            <p className="text-sm text-muted">{t("start.intro")}</p>
          </div>
        </div>
        <form noValidate onSubmit={submit} className="flex flex-col gap-4">
          {start.isError && Object.keys(serverErrors.fields).length === 0 ? (
            <ErrorBanner details={serverErrors.unplaced}>{describeError(start.error, tc)}</ErrorBanner>
          ) : null}
          <TextField
            label={t("start.topic")}
            hint={t("start.topicHint")}
            optional
            value={topic}
            maxLength={MAX_TOPIC_LENGTH}
            onChange={(event) => setTopic(event.target.value)}
            error={errors.topic}
            autoComplete="off"
          />
          <TextArea
            label={t("start.message")}
            hint={t("start.messageHint")}
            value={message}
            rows={4}
            onChange={(event) => setMessage(event.target.value)}
            onKeyDown={onKeyDown}
            error={errors.message}
            required
          />
          <div className="flex justify-end">
            <Button type="submit" loading={start.isPending}>
              {start.isPending ? t("start.submitting") : t("start.submit")}
            </Button>
          </div>
        </form>
      </Card>
    </Page>
  );
}

// The message box: Enter (or Ctrl/Cmd+Enter) sends, Shift+Enter adds a line. The draft lives in sessionStorage until it
// is handed to the outbox, which keeps it until the server has it.

import { SendHorizontal } from "lucide-react";
import { useEffect, useId, useLayoutEffect, useRef, type FormEvent, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "@/components";
import { useReplyTools, type ReplyContext } from "@/components/ReplyTools";
import { controlClasses } from "@/components/Field";
import { cx } from "@/lib/cx";
import { formatNumber } from "@/lib/format";
import { useDraft } from "@/lib/drafts";
import { useTypingSignal } from "@/lib/chat/use-typing-signal";
import { CHAT_UI_NAMESPACE } from "./i18n";
import { characterCount, MAX_MESSAGE_LENGTH } from "@/lib/chat/limits";

/** The box grows with its text up to this height (px), then scrolls. */
const MAX_HEIGHT = 160;

/** Grows the box with its text, up to MAX_HEIGHT. */
function fitHeight(element: HTMLTextAreaElement | null): void {
  if (element) {
    element.style.height = "auto";
    element.style.height = `${Math.min(element.scrollHeight, MAX_HEIGHT)}px`;
  }
}

export function Composer({
  chatId,
  onSend,
  autoFocus = false,
  replyContext,
}: {
  chatId: string;
  onSend: (body: string) => void;
  autoFocus?: boolean;
  /** Staff only: what fills canned responses here; turns on the reply tools (canned responses, `/`, article links). */
  replyContext?: ReplyContext;
}) {
  const { t, i18n } = useTranslation(CHAT_UI_NAMESPACE);
  const [text, setText, clearText] = useDraft(`chat.${chatId}.composer`, "");
  const box = useRef<HTMLTextAreaElement>(null);
  const inputId = useId();
  const hintId = `${inputId}-hint`;
  const { onText, onStop } = useTypingSignal(chatId, true);
  const length = characterCount(text);
  const tooLong = length > MAX_MESSAGE_LENGTH;
  const empty = text.trim() === "";
  const assist = useReplyTools({
    box,
    text,
    setText: (next) => {
      setText(next);
      onText(next);
    },
    context: replyContext ?? {},
    disabled: replyContext === undefined,
  });

  useLayoutEffect(() => {
    fitHeight(box.current);
  }, [text]);
  // A box first laid out narrow (a pane appearing) grew tall: fit it again when its width changes.
  useEffect(() => {
    const element = box.current;
    if (!element) {
      return;
    }
    let width = element.clientWidth;
    const observer = new ResizeObserver(() => {
      if (element.clientWidth !== width) {
        width = element.clientWidth;
        fitHeight(element);
      }
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const send = (event?: FormEvent): void => {
    event?.preventDefault();
    if (empty || tooLong) {
      return;
    }
    onSend(text.trim());
    clearText();
    onStop();
    box.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>): void => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      // A `/word` picker is opening: Enter is meant for it, not for sending "/word".
      if (!assist.picking()) send();
    }
  };

  return (
    <form onSubmit={send} className="border-t border-border bg-surface px-3 py-3 sm:px-4">
      {replyContext ? <div className="-mt-1 mb-1.5">{assist.tools}</div> : null}
      {assist.error ? (
        <p role="alert" className="mb-1.5 px-1 text-xs text-danger">
          {assist.error}
        </p>
      ) : null}
      <div className="flex items-end gap-2">
        <label htmlFor={inputId} className="sr-only">
          {t("composer.label")}
        </label>
        <textarea
          ref={box}
          id={inputId}
          // Only where the user just asked for this chat (an agent accepting it): never on page load.
          autoFocus={autoFocus}
          rows={1}
          value={text}
          placeholder={t("composer.placeholder")}
          aria-describedby={hintId}
          aria-invalid={tooLong || undefined}
          onChange={(event) => {
            setText(event.target.value);
            onText(event.target.value);
            assist.watch(event.target.value, event.target.selectionEnd);
          }}
          onKeyDown={onKeyDown}
          onBlur={onStop}
          className={cx(controlClasses(tooLong), "min-h-10 resize-none py-2 leading-6")}
        />
        <Button type="submit" disabled={empty || tooLong} icon={<SendHorizontal aria-hidden="true" className="size-4" />} className="h-10">
          <span className="sr-only sm:not-sr-only">{t("composer.send")}</span>
        </Button>
      </div>
      <p id={hintId} className={cx("mt-1.5 px-1 text-xs", tooLong ? "text-danger" : "text-muted")}>
        {tooLong ? t("composer.tooLong", { max: formatNumber(MAX_MESSAGE_LENGTH, i18n.language), count: formatNumber(length, i18n.language) }) : t("composer.hint")}
      </p>
    </form>
  );
}

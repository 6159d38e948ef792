import { HelpdeskError, TicketStatus, type Ticket } from "@helpdesk/client";
import { Lock, MessageSquareReply, Send } from "lucide-react";
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button, ErrorBanner, TextArea } from "@/components";
import { useReplyTools } from "@/components/ReplyTools";
import { cx } from "@/lib/cx";
import { useDraft } from "@/lib/drafts";
import { describeError, mapViolations } from "@/lib/errors";
import { newRequestId } from "@/lib/ids";
import { useShortcut } from "@/lib/shortcuts";
import { useAddMessage } from "../api";

type Mode = "reply" | "note";

interface Draft {
  body: string;
  /** Kept with the text: resending after a lost answer adds it once. */
  requestId: string;
}

/**
 * Public reply or internal note: two modes with their own drafts (text written as a note stays a
 * note), a switch that says which one is on, `r` / `n` to pick and focus, Ctrl/Cmd+Enter to send.
 */
export function Composer({ ticket }: { ticket: Ticket }) {
  const { t } = useTranslation("workspace");
  const { t: tc } = useTranslation();
  const [mode, setMode] = useState<Mode>(() => (ticket.status === TicketStatus.CLOSED ? "note" : "reply"));
  // Each mode its own request id: the same id would make the server answer a note with the reply.
  const [initialReply] = useState<Draft>(() => ({ body: "", requestId: newRequestId() }));
  const [initialNote] = useState<Draft>(() => ({ body: "", requestId: newRequestId() }));
  const [reply, setReply] = useDraft<Draft>(`agent-reply.${ticket.id}`, initialReply);
  const [note, setNote] = useDraft<Draft>(`agent-note.${ticket.id}`, initialNote);
  const [fieldError, setFieldError] = useState<string>();
  const [banner, setBanner] = useState<string>();
  const add = useAddMessage(ticket.id);
  const box = useRef<HTMLTextAreaElement>(null);
  const draft = mode === "note" ? note : reply;
  const setDraft = mode === "note" ? setNote : setReply;
  const closed = ticket.status === TicketStatus.CLOSED;
  const assist = useReplyTools({
    box,
    text: draft.body,
    setText: (body) => {
      setDraft({ ...draft, body });
      setFieldError(undefined);
    },
    context: { ticketId: ticket.id },
  });

  const pick = (next: Mode): void => {
    setMode(next);
    setFieldError(undefined);
    setBanner(undefined);
    // After React has swapped the draft in.
    requestAnimationFrame(() => box.current?.focus());
  };

  const send = async (): Promise<void> => {
    if (add.isPending) return;
    setBanner(undefined);
    const sending = draft;
    const internal = mode === "note";
    if (!sending.body.trim()) {
      setFieldError(tc("errors.field.required"));
      return;
    }
    try {
      await add.mutateAsync({ body: sending.body, internal, requestId: sending.requestId });
      (internal ? setNote : setReply)({ body: "", requestId: newRequestId() });
    } catch (error) {
      const failure = HelpdeskError.from(error);
      const placed = mapViolations(failure.fieldViolations, ["body"] as const, tc);
      if (placed.fields.body) setFieldError(placed.fields.body);
      else setBanner(describeError(failure, tc));
    }
  };

  const group = t("keys.ticket");
  useShortcut("r", () => pick("reply"), { description: t("keys.reply"), group, enabled: !closed });
  useShortcut("n", () => pick("note"), { description: t("keys.note"), group });
  useShortcut(
    "mod+Enter",
    (event) => {
      if (event.target !== box.current) return false;
      void send();
    },
    { description: t("keys.send"), group, allowInInput: true },
  );
  // Out of the text box without the mouse, so that r / n / a work again.
  useShortcut(
    "Escape",
    (event) => {
      if (event.target !== box.current) return false;
      box.current?.blur();
    },
    { description: t("keys.leaveBox"), group, allowInInput: true },
  );

  const isNote = mode === "note";
  const tab = (value: Mode, label: string, Icon: typeof Lock) => (
    <button
      type="button"
      role="radio"
      aria-checked={mode === value}
      disabled={value === "reply" && closed}
      onClick={() => pick(value)}
      className={cx(
        "inline-flex h-8 items-center gap-1.5 rounded-md px-3 text-[13px] font-medium disabled:opacity-50",
        mode === value ? (value === "note" ? "bg-warning-soft text-warning ring-1 ring-warning/40" : "bg-accent-soft text-accent-soft-fg ring-1 ring-accent/30") : "text-muted hover:text-fg",
      )}
    >
      <Icon aria-hidden="true" className="size-3.5" />
      {label}
    </button>
  );

  return (
    <form
      noValidate
      aria-label={isNote ? t("composer.note") : t("composer.reply")}
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
      className={cx("flex flex-col gap-3 rounded-xl border p-4 shadow-xs", isNote ? "border-dashed border-warning/60 bg-warning-soft/50" : "border-border bg-surface")}
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div role="radiogroup" aria-label={t("composer.modes")} className="flex gap-1 rounded-lg bg-subtle p-1">
          {tab("reply", t("composer.reply"), MessageSquareReply)}
          {tab("note", t("composer.note"), Lock)}
        </div>
        {assist.tools}
      </div>
      {banner ? <ErrorBanner>{banner}</ErrorBanner> : null}
      {assist.error ? <ErrorBanner>{assist.error}</ErrorBanner> : null}
      <TextArea
        ref={box}
        label={isNote ? t("composer.noteLabel") : t("composer.replyLabel", { name: ticket.customerDisplayName })}
        hint={isNote ? t("composer.noteWarning") : t("composer.replyWarning")}
        placeholder={isNote ? t("composer.notePlaceholder") : t("composer.replyPlaceholder")}
        rows={4}
        value={draft.body}
        error={fieldError}
        onChange={(event) => {
          setDraft({ ...draft, body: event.target.value });
          setFieldError(undefined);
          assist.watch(event.target.value, event.target.selectionEnd);
        }}
      />
      <div className="flex items-center justify-between gap-3">
        <p className="text-xs text-muted">{draft.body ? t("composer.draftSaved") : t("composer.sendHint")}</p>
        <Button
          type="submit"
          loading={add.isPending}
          className={isNote ? "bg-warning text-white hover:bg-warning hover:opacity-90 dark:text-canvas" : undefined}
          icon={isNote ? <Lock aria-hidden="true" className="size-4" /> : <Send aria-hidden="true" className="size-4" />}
        >
          {isNote ? t("composer.addNote") : t("composer.sendReply")}
        </Button>
      </div>
    </form>
  );
}

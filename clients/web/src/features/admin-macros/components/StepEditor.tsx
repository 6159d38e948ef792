import type { Agent } from "@helpdesk/client";
import { ArrowDown, ArrowUp, Trash2 } from "lucide-react";
import { useRef } from "react";
import { useTranslation } from "react-i18next";
import { insertPlaceholder, PlaceholderList, restoreCursor, type Placeholder } from "@/components/PlaceholderList";
import { Select, TextArea, TextField } from "@/components";
import { PRIORITY_BY_NAME, PRIORITY_NAMES, STATUS_BY_NAME, STATUS_NAMES } from "@/lib/ticket-names";
import { ACTION_KINDS, type ActionDraft, type ActionKind } from "../model";

type Errors = Record<string, string | undefined>;

/** The DOM id of a step's control (`part`: kind, body, status, priority, tags, assignee, up, down, remove). */
export function stepControlId(key: number, part: string): string {
  return `macro-step-${key}-${part}`;
}

const iconButton = "inline-flex size-8 items-center justify-center rounded-md text-muted hover:bg-subtle hover:text-fg disabled:pointer-events-none disabled:opacity-40";

/**
 * One step of a macro: what it does (a select; switching keeps what was typed for other kinds),
 * its value, and buttons to move it up or down or remove it. Errors are the editor's, by field key
 * (`step.<key>.<part>`).
 */
export function StepEditor({
  step,
  index,
  count,
  errors,
  agents,
  onChange,
  onMove,
  onRemove,
}: {
  step: ActionDraft;
  index: number;
  count: number;
  errors: Errors;
  agents: readonly Agent[];
  onChange: (update: Partial<ActionDraft>, part: string) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation("adminMacros");
  const n = index + 1;
  const body = useRef<HTMLTextAreaElement>(null);
  const id = (part: string) => stepControlId(step.key, part);
  // A visible label ("Status") whose accessible name also says which step it is ("Status, step 2").
  const ofStep = (label: string) => (
    <>
      {label}
      <span className="sr-only">{t("editor.ofStep", { n })}</span>
    </>
  );
  const error = (part: string) => errors[`step.${step.key}.${part}`];
  const insert = (placeholder: Placeholder) => {
    const { text, cursor } = insertPlaceholder(step.body, placeholder, body.current);
    onChange({ body: text }, "body");
    restoreCursor(body.current, cursor);
  };
  const assigneeKnown = ["me", ""].includes(step.assignee) || agents.some((agent) => agent.id === step.assignee);

  return (
    <li className="rounded-xl border border-border bg-surface p-4 shadow-xs" aria-labelledby={id("title")}>
      {/* On a phone the step's kind gets a line of its own, under its number and buttons. */}
      <div className="flex flex-wrap items-start gap-3">
        <span id={id("title")} className="mt-2 flex size-6 shrink-0 items-center justify-center rounded-full bg-accent-soft text-xs font-semibold text-accent-soft-fg">
          <span className="sr-only">{t("editor.step", { n })}</span>
          <span aria-hidden="true">{n}</span>
        </span>
        <div className="order-last min-w-0 basis-full sm:order-none sm:flex-1 sm:basis-auto">
          <Select
            id={id("kind")}
            label={t("editor.kindOf", { n })}
            labelHidden
            value={step.kind}
            error={error("kind")}
            options={ACTION_KINDS.map((kind) => ({ value: kind, label: t(`kind.${kind}`) }))}
            onChange={(event) => onChange({ kind: event.target.value as ActionKind }, "kind")}
          />
        </div>
        <div className="ml-auto flex shrink-0 items-center gap-0.5 pt-1">
          <button type="button" id={id("up")} className={iconButton} aria-label={t("editor.moveUp", { n })} disabled={index === 0} onClick={() => onMove(-1)}>
            <ArrowUp aria-hidden="true" className="size-4" />
          </button>
          <button type="button" id={id("down")} className={iconButton} aria-label={t("editor.moveDown", { n })} disabled={index === count - 1} onClick={() => onMove(1)}>
            <ArrowDown aria-hidden="true" className="size-4" />
          </button>
          <button type="button" id={id("remove")} className={iconButton} aria-label={t("editor.remove", { n })} disabled={count === 1} onClick={onRemove}>
            <Trash2 aria-hidden="true" className="size-4" />
          </button>
        </div>
      </div>
      <div className="mt-3 flex flex-col gap-3 sm:pl-9">
        {step.kind === "reply" || step.kind === "note" ? (
          <>
            <TextArea
              id={id("body")}
              ref={body}
              label={ofStep(step.kind === "note" ? t("editor.bodyNote") : t("editor.bodyReply"))}
              rows={4}
              value={step.body}
              error={error("body")}
              onChange={(event) => onChange({ body: event.target.value }, "body")}
            />
            <PlaceholderList insertLabel={(token) => t("editor.insert", { placeholder: token, n })} onInsert={insert} />
          </>
        ) : null}
        {step.kind === "status" ? (
          <Select
            id={id("status")}
            label={ofStep(t("editor.status"))}
            value={String(step.status)}
            error={error("status")}
            options={STATUS_NAMES.map((name) => ({ value: String(STATUS_BY_NAME[name]), label: t(`status.${name}`) }))}
            onChange={(event) => onChange({ status: Number(event.target.value) as ActionDraft["status"] }, "status")}
          />
        ) : null}
        {step.kind === "priority" ? (
          <Select
            id={id("priority")}
            label={ofStep(t("editor.priority"))}
            value={String(step.priority)}
            error={error("priority")}
            options={PRIORITY_NAMES.map((name) => ({ value: String(PRIORITY_BY_NAME[name]), label: t(`priority.${name}`) }))}
            onChange={(event) => onChange({ priority: Number(event.target.value) as ActionDraft["priority"] }, "priority")}
          />
        ) : null}
        {step.kind === "addTags" || step.kind === "removeTags" ? (
          <TextField id={id("tags")} label={ofStep(t("editor.tags"))} hint={t("editor.tagsHint")} autoComplete="off" value={step.tags} error={error("tags")} onChange={(event) => onChange({ tags: event.target.value }, "tags")} />
        ) : null}
        {step.kind === "assignee" ? (
          <Select
            id={id("assignee")}
            label={ofStep(t("editor.assignee"))}
            value={step.assignee}
            error={error("assignee")}
            options={[
              { value: "me", label: t("editor.assigneeMe") },
              { value: "", label: t("editor.assigneeNobody") },
              ...(assigneeKnown ? [] : [{ value: step.assignee, label: t("editor.assigneeOther", { id: step.assignee }) }]),
              ...agents.map((agent) => ({ value: agent.id, label: agent.displayName })),
            ]}
            onChange={(event) => onChange({ assignee: event.target.value }, "assignee")}
          />
        ) : null}
      </div>
    </li>
  );
}

import { Code } from "@connectrpc/connect";
import { HelpdeskError, type CannedResponse } from "@helpdesk/client";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button, Dialog, ErrorBanner, Select, TextArea, TextField } from "@/components";
import { insertPlaceholder, PlaceholderList, restoreCursor, type Placeholder } from "@/components/PlaceholderList";
import { describeError, translateViolation } from "@/lib/errors";
import { newRequestId } from "@/lib/ids";
import { CannedResponseScope, useSaveResponse, type ResponseDraft } from "../api";

type Field = "title" | "body";

/**
 * Creating or editing a canned response: title, who may use it (admins choose; agents' are personal),
 * the text, and the placeholders it may use, each inserted at the cursor with a click.
 */
export function ResponseDialog({
  open,
  existing,
  canShare,
  onClose,
  onSaved,
  onConflict,
}: {
  open: boolean;
  existing?: CannedResponse;
  canShare: boolean;
  onClose: () => void;
  onSaved: (response: CannedResponse, created: boolean) => void;
  onConflict: (title: string) => void;
}) {
  const { t } = useTranslation("manageResponses");
  const { t: tc } = useTranslation();
  const [draft, setDraft] = useState<ResponseDraft>({ title: "", body: "", scope: CannedResponseScope.PERSONAL });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [banner, setBanner] = useState<string>();
  const [requestId, setRequestId] = useState(newRequestId);
  const body = useRef<HTMLTextAreaElement>(null);
  const save = useSaveResponse();

  useEffect(() => {
    if (!open) return;
    setDraft(existing ? { title: existing.title, body: existing.body, scope: existing.scope } : { title: "", body: "", scope: canShare ? CannedResponseScope.SHARED : CannedResponseScope.PERSONAL });
    setErrors({});
    setBanner(undefined);
    setRequestId(newRequestId());
  }, [open, existing, canShare]);

  const focus = (field: Field) => document.getElementById(`response-${field}`)?.focus();
  const insert = (placeholder: Placeholder) => {
    const { text, cursor } = insertPlaceholder(draft.body, placeholder, body.current);
    setDraft((previous) => ({ ...previous, body: text }));
    setErrors((previous) => ({ ...previous, body: undefined }));
    restoreCursor(body.current, cursor);
  };
  const words = (description: string): string => {
    const unknown = /^unknown placeholder '([^']*)'/.exec(description);
    return unknown ? t("unknownPlaceholder", { placeholder: unknown[1] }) : translateViolation(description, tc);
  };

  const submit = async () => {
    setBanner(undefined);
    const found: Partial<Record<Field, string>> = {};
    if (!draft.title.trim()) found.title = tc("errors.field.required");
    if (!draft.body.trim()) found.body = tc("errors.field.required");
    setErrors(found);
    const first = (["title", "body"] as const).find((field) => found[field]);
    if (first) {
      focus(first);
      return;
    }
    try {
      const saved = await save.mutateAsync({ draft, existing, requestId });
      onSaved(saved, existing === undefined);
    } catch (error) {
      const failure = HelpdeskError.from(error);
      if (failure.reason === "ETAG_MISMATCH") {
        onConflict(existing?.title ?? draft.title);
        return;
      }
      if (failure.code === Code.InvalidArgument) {
        const placed: Partial<Record<Field, string>> = {};
        for (const [path, description] of Object.entries(failure.fieldViolations)) {
          if (path.endsWith(".title")) placed.title = words(description);
          else if (path.endsWith(".body")) placed.body = words(description);
        }
        const firstPlaced = (["title", "body"] as const).find((field) => placed[field]);
        if (firstPlaced) {
          setErrors(placed);
          focus(firstPlaced);
          return;
        }
      }
      setBanner(describeError(failure, tc));
    }
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={existing ? t("form.editTitle") : t("form.newTitle")}
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>
            {tc("common.cancel")}
          </Button>
          <Button type="submit" form="response-form" loading={save.isPending}>
            {existing ? t("form.save") : t("form.create")}
          </Button>
        </>
      }
    >
      <form
        id="response-form"
        noValidate
        className="flex flex-col gap-4"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        {banner ? <ErrorBanner>{banner}</ErrorBanner> : null}
        <TextField
          id="response-title"
          label={t("form.name")}
          value={draft.title}
          error={errors.title}
          onChange={(event) => {
            setDraft((previous) => ({ ...previous, title: event.target.value }));
            setErrors((previous) => ({ ...previous, title: undefined }));
          }}
        />
        {canShare && existing === undefined ? (
          <Select
            label={t("form.scope")}
            value={String(draft.scope)}
            options={[
              { value: String(CannedResponseScope.SHARED), label: t("form.scopeShared") },
              { value: String(CannedResponseScope.PERSONAL), label: t("form.scopePersonal") },
            ]}
            onChange={(event) => setDraft((previous) => ({ ...previous, scope: Number(event.target.value) as CannedResponseScope }))}
          />
        ) : null}
        <TextArea
          id="response-body"
          ref={body}
          label={t("form.body")}
          rows={7}
          value={draft.body}
          error={errors.body}
          onChange={(event) => {
            setDraft((previous) => ({ ...previous, body: event.target.value }));
            setErrors((previous) => ({ ...previous, body: undefined }));
          }}
        />
        <PlaceholderList hint={t("form.placeholdersHint")} insertLabel={(token) => t("form.insert", { placeholder: token })} onInsert={insert} />
      </form>
    </Dialog>
  );
}

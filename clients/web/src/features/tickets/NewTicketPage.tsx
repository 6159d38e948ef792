import { HelpdeskError, TicketPriority } from "@helpdesk/client";
import { Link, useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button, buttonClasses, Card, ErrorBanner, Page, PageHeader, Select, TextArea, TextField } from "@/components";
import { useDraft } from "@/lib/drafts";
import { useDocumentTitle } from "@/lib/title";
import { describeError, mapViolations } from "@/lib/errors";
import { newRequestId } from "@/lib/ids";
import { useCreateTicket } from "./api";
import { ArticleSuggestions } from "./components/ArticleSuggestions";
import { CATEGORIES } from "./labels";
import { PRIORITY_BY_NAME, PRIORITY_NAMES, type PriorityName } from "./search";
import { useCategoryLabel } from "./components/Chips";
import "./i18n";

interface Draft {
  subject: string;
  description: string;
  priority: PriorityName;
  category: string;
  /** One id per ticket being written: a double submit or a retry after a lost answer opens one ticket. */
  requestId: string;
}

const FIELDS = ["subject", "description", "priority", "category"] as const;
type Field = (typeof FIELDS)[number];
const PATHS: Partial<Record<string, Field>> = {
  "ticket.subject": "subject",
  "ticket.description": "description",
  "ticket.priority": "priority",
  "ticket.category": "category",
};

function emptyDraft(): Draft {
  return { subject: "", description: "", priority: "medium", category: "", requestId: newRequestId() };
}

/** `/tickets/new`: the form, kept as a draft until the server has the ticket. */
export function NewTicketPage() {
  const { t } = useTranslation("tickets");
  const { t: tc } = useTranslation();
  useDocumentTitle(t("new.title"));
  const navigate = useNavigate();
  const categoryLabel = useCategoryLabel();
  const [initial] = useState(emptyDraft);
  const [draft, setDraft, clearDraft] = useDraft<Draft>("new-ticket", initial);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [banner, setBanner] = useState<{ message: string; details: string[] }>();
  const create = useCreateTicket();

  const update = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft({ ...draft, [key]: value });
    if (errors[key as Field]) setErrors({ ...errors, [key]: undefined });
  };

  const validate = (): boolean => {
    const found: Partial<Record<Field, string>> = {};
    if (!draft.subject.trim()) found.subject = tc("errors.field.required");
    else if (draft.subject.length > 200) found.subject = tc("errors.field.maxChars", { count: 200 });
    if (!draft.description.trim()) found.description = tc("errors.field.required");
    setErrors(found);
    const first = FIELDS.find((field) => found[field]);
    if (first) document.getElementById(`ticket-${first}`)?.focus();
    return first === undefined;
  };

  const submit = async () => {
    setBanner(undefined);
    if (create.isPending || !validate()) return;
    try {
      const ticket = await create.mutateAsync({
        subject: draft.subject.trim(),
        description: draft.description.trim(),
        priority: PRIORITY_BY_NAME[draft.priority] ?? TicketPriority.MEDIUM,
        category: draft.category,
        requestId: draft.requestId,
      });
      clearDraft();
      await navigate({ to: "/tickets/$ticketId", params: { ticketId: ticket.id } });
    } catch (error) {
      const failure = HelpdeskError.from(error);
      const placed = mapViolations(failure.fieldViolations, FIELDS, tc, PATHS);
      setErrors(placed.fields);
      const first = FIELDS.find((field) => placed.fields[field]);
      if (first) document.getElementById(`ticket-${first}`)?.focus();
      if (!first || placed.unplaced.length > 0) {
        setBanner({ message: describeError(failure, tc), details: placed.unplaced });
      }
    }
  };

  return (
    <Page width="default">
      <PageHeader title={t("new.title")} description={t("new.subtitle")} />
      <Card className="p-5 sm:p-8">
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
          className="flex flex-col gap-5"
        >
          {banner ? <ErrorBanner details={banner.details}>{banner.message}</ErrorBanner> : null}
          <TextField
            id="ticket-subject"
            label={t("new.subject")}
            hint={t("new.subjectHint")}
            value={draft.subject}
            maxLength={200}
            autoComplete="off"
            error={errors.subject}
            onChange={(event) => update("subject", event.target.value)}
          />
          <ArticleSuggestions subject={draft.subject} />
          <TextArea
            id="ticket-description"
            label={t("new.description")}
            hint={t("new.descriptionHint")}
            rows={7}
            value={draft.description}
            error={errors.description}
            onChange={(event) => update("description", event.target.value)}
          />
          <div className="grid gap-5 sm:grid-cols-2">
            <Select
              id="ticket-priority"
              label={t("new.priority")}
              value={draft.priority}
              error={errors.priority}
              options={PRIORITY_NAMES.map((name) => ({ value: name, label: t(`priority.${name}`) }))}
              onChange={(event) => update("priority", event.target.value as PriorityName)}
            />
            <Select
              id="ticket-category"
              label={t("new.category")}
              optional
              value={draft.category}
              error={errors.category}
              options={[{ value: "", label: categoryLabel("") }, ...CATEGORIES.map((name) => ({ value: name, label: categoryLabel(name) }))]}
              onChange={(event) => update("category", event.target.value)}
            />
          </div>
          <div className="flex flex-col-reverse gap-3 border-t border-border pt-5 sm:flex-row sm:items-center sm:justify-between">
            <p className="text-xs text-muted">{t("new.draftKept")}</p>
            <div className="flex gap-2">
              <Link to="/tickets" onClick={clearDraft} className={buttonClasses("secondary")}>
                {t("new.cancel")}
              </Link>
              <Button type="submit" loading={create.isPending}>
                {t("new.submit")}
              </Button>
            </div>
          </div>
        </form>
      </Card>
    </Page>
  );
}

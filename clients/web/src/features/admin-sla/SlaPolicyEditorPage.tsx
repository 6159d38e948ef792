import { Code } from "@connectrpc/connect";
import { HelpdeskError, type SlaPolicy } from "@helpdesk/client";
import { getRouteApi, Link, useNavigate } from "@tanstack/react-router";
import { ArrowLeft } from "lucide-react";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { AdminPage } from "@/components/AdminTabs";
import { ConflictChoice } from "@/components/admin/ConflictChoice";
import { useEtagConflict } from "@/components/admin/useEtagConflict";
import { SaveBar } from "@/components/admin/SaveBar";
import { Card, ErrorBanner, LoadedItem, PageHeader, Select, SelectControl, TextField } from "@/components";
import { controlClasses, FieldFrame, useFieldIds } from "@/components/Field";
import { describeError, translateViolation } from "@/lib/errors";
import { newRequestId } from "@/lib/ids";
import { PRIORITY_BY_NAME, PRIORITY_NAMES } from "@/lib/ticket-names";
import { useDocumentTitle } from "@/lib/title";
import { useSaveSlaPolicy, useSlaPolicy } from "./api";
import { ScheduleFields } from "./components/ScheduleFields";
import { SLA_VIOLATIONS } from "./i18n";
import { emptyDraft, fieldOfPath, fromPolicy, targetSeconds, UNITS, type PolicyDraft, type Target } from "./model";

type Errors = Record<string, string | undefined>;
// The order errors are focused in: the first field in error on the page gets the focus.
const ORDER = ["displayName", "priority", "category", "firstResponse", "resolution", "warning", "timeZone", "spans"];

const route = getRouteApi("/admin/sla/$policyId");

/** `/admin/sla/new`: a new policy. */
export function NewSlaPolicyPage() {
  return <SlaPolicyEditor />;
}

/** `/admin/sla/$policyId`: a policy loaded, edited and saved with its etag. */
export function SlaPolicyEditorPage() {
  const { policyId } = route.useParams();
  const { t } = useTranslation("adminSla");
  const policy = useSlaPolicy(policyId);
  return (
    <LoadedItem query={policy} notFound={t("editor.notFound")} back={t("editor.back")} list="/admin/sla">
      {(loaded) => <SlaPolicyEditor key={loaded.id} loaded={loaded} />}
    </LoadedItem>
  );
}

/** An amount and its unit on one line, under the amount's label and over its hint. */
function TargetField({ id, label, hint, value, error, onChange }: { id: string; label: string; hint: string; value: Target; error?: string; onChange: (value: Target) => void }) {
  const { t } = useTranslation("adminSla");
  const ids = useFieldIds(id, hint, error);
  return (
    <FieldFrame ids={ids} label={label} hint={hint} error={error}>
      <div className="flex gap-2">
        <input
          id={ids.inputId}
          aria-invalid={error ? true : undefined}
          aria-describedby={ids.describedBy}
          className={`${controlClasses(Boolean(error))} h-10 min-w-0 flex-1`}
          inputMode="decimal"
          autoComplete="off"
          value={value.amount}
          onChange={(event) => onChange({ ...value, amount: event.target.value })}
        />
        <SelectControl
          aria-label={t("editor.unitOf", { field: label })}
          className="w-32 shrink-0"
          value={value.unit}
          options={UNITS.map((unit) => ({ value: unit, label: t(`unit.${unit}`) }))}
          onChange={(event) => onChange({ ...value, unit: event.target.value as Target["unit"] })}
        />
      </div>
    </FieldFrame>
  );
}

function SlaPolicyEditor({ loaded }: { loaded?: SlaPolicy }) {
  const { t } = useTranslation("adminSla");
  const { t: tc } = useTranslation();
  useDocumentTitle(loaded ? t("editor.editTitle") : t("editor.newTitle"));
  const navigate = useNavigate();
  const [draft, setDraft] = useState<PolicyDraft>(() => (loaded ? fromPolicy(loaded) : emptyDraft()));
  const [requestId] = useState(newRequestId);
  const [errors, setErrors] = useState<Errors>({});
  const [banner, setBanner] = useState<{ message: string; details: string[] }>();
  const [saved, setSaved] = useState(false);
  const save = useSaveSlaPolicy();
  const policyQuery = useSlaPolicy(loaded?.id ?? "", false);
  const sync = useEtagConflict(loaded?.etag, { reload: async () => (await policyQuery.refetch()).data, take: (fresh) => setDraft(fromPolicy(fresh)) });

  useEffect(() => {
    const first = ORDER.find((key) => errors[key]) ?? Object.keys(errors).find((key) => errors[key]);
    if (first) document.getElementById(`sla-${first.replace(/\./g, "-")}`)?.focus();
  }, [errors]);

  const change = (update: Partial<PolicyDraft>, cleared: string[]) => {
    setDraft((previous) => ({ ...previous, ...update }));
    setSaved(false);
    if (cleared.some((key) => errors[key])) setErrors((previous) => ({ ...previous, ...Object.fromEntries(cleared.map((key) => [key, undefined])) }));
  };
  const words = (description: string): string => {
    const known = SLA_VIOLATIONS.find(([pattern]) => pattern.test(description));
    return known ? t(known[1]) : translateViolation(description, tc);
  };

  const submit = async () => {
    setBanner(undefined);
    setSaved(false);
    const found: Errors = {};
    if (!draft.displayName.trim()) found.displayName = tc("errors.field.required");
    for (const key of ["firstResponse", "resolution", "warning"] as const) {
      if (Number.isNaN(targetSeconds(draft[key]))) found[key] = t("field.number");
    }
    if (Object.keys(found).length > 0) {
      setErrors(found);
      return;
    }
    try {
      const policy = await save.mutateAsync({ draft, id: loaded?.id, etag: sync.etag, requestId });
      setErrors({});
      if (loaded === undefined) {
        void navigate({ to: "/admin/sla" });
        return;
      }
      sync.saved(policy);
      setDraft(fromPolicy(policy));
      setSaved(true);
    } catch (error) {
      const failure = HelpdeskError.from(error);
      if (failure.reason === "ETAG_MISMATCH") {
        sync.clash();
        return;
      }
      if (failure.reason === "SLA_POLICY_EXISTS") {
        setErrors({ category: t("editor.exists") });
        return;
      }
      if (failure.code === Code.InvalidArgument && Object.keys(failure.fieldViolations).length > 0) {
        const placed: Errors = {};
        const unplaced: string[] = [];
        for (const [path, description] of Object.entries(failure.fieldViolations)) {
          const field = fieldOfPath(path);
          if (field === "form" || placed[field] !== undefined) unplaced.push(words(description));
          else placed[field] = words(description);
        }
        setErrors(placed);
        if (unplaced.length > 0) setBanner({ message: tc("errors.invalid"), details: unplaced });
        return;
      }
      setBanner({ message: describeError(failure, tc), details: [] });
    }
  };

  const title = loaded ? t("editor.editTitle") : t("editor.newTitle");
  return (
    <AdminPage narrow>
      <Link to="/admin/sla" className="mb-3 inline-flex items-center gap-1 text-sm text-muted hover:text-fg">
        <ArrowLeft aria-hidden="true" className="size-4" />
        {t("editor.back")}
      </Link>
      <PageHeader title={title} description={loaded?.displayName} />
      <form
        noValidate
        className="flex flex-col gap-6"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        {sync.conflict ? (
          <ConflictChoice message={t("editor.conflict")} keepMine={t("editor.keepMine")} takeTheirs={t("editor.showTheirs")} onKeepMine={() => void sync.resolve(true)} onTakeTheirs={() => void sync.resolve(false)} />
        ) : null}
        {banner ? <ErrorBanner details={banner.details}>{banner.message}</ErrorBanner> : null}
        <Card className="flex flex-col gap-5 p-5">
          <h2 className="text-base font-semibold text-fg">{t("editor.targets")}</h2>
          <TextField id="sla-displayName" label={t("editor.name")} value={draft.displayName} error={errors.displayName} onChange={(event) => change({ displayName: event.target.value }, ["displayName"])} />
          <div className="grid gap-5 sm:grid-cols-2">
            <Select
              id="sla-priority"
              label={t("editor.priority")}
              value={String(draft.priority)}
              error={errors.priority}
              options={PRIORITY_NAMES.map((name) => ({ value: String(PRIORITY_BY_NAME[name]), label: t(`priority.${name}`) }))}
              onChange={(event) => change({ priority: Number(event.target.value) as PolicyDraft["priority"] }, ["priority", "category"])}
            />
            <TextField
              id="sla-category"
              label={t("editor.category")}
              hint={t("editor.categoryHint")}
              optional
              value={draft.category}
              error={errors.category}
              onChange={(event) => change({ category: event.target.value }, ["category"])}
            />
          </div>
          <TargetField id="sla-firstResponse" label={t("editor.firstResponse")} hint={t("editor.firstResponseHint")} value={draft.firstResponse} error={errors.firstResponse} onChange={(value) => change({ firstResponse: value }, ["firstResponse", "resolution", "warning"])} />
          <TargetField id="sla-resolution" label={t("editor.resolution")} hint={t("editor.resolutionHint")} value={draft.resolution} error={errors.resolution} onChange={(value) => change({ resolution: value }, ["resolution"])} />
          <TargetField id="sla-warning" label={t("editor.warning")} hint={t("editor.warningHint")} value={draft.warning} error={errors.warning} onChange={(value) => change({ warning: value }, ["warning"])} />
        </Card>
        <Card className="flex flex-col gap-5 p-5">
          <fieldset className="flex flex-col gap-2">
            <legend className="text-base font-semibold text-fg">{t("editor.schedule")}</legend>
            <p className="mb-2 text-sm text-muted">{t("editor.scheduleHint")}</p>
            {(["aroundTheClock", "businessHours"] as const).map((choice) => (
              <label key={choice} className="flex items-center gap-2 text-sm text-fg">
                <input
                  type="radio"
                  name="sla-schedule"
                  className="size-4 accent-[var(--color-accent)]"
                  checked={draft.businessHours === (choice === "businessHours")}
                  onChange={() => change({ businessHours: choice === "businessHours" }, ["spans", "timeZone"])}
                />
                {t(`editor.${choice}`)}
              </label>
            ))}
          </fieldset>
          {draft.businessHours ? <ScheduleFields draft={draft} errors={errors} onChange={change} /> : null}
        </Card>
        <SaveBar saved={saved} savedLabel={t("editor.saved")} label={loaded ? t("editor.save") : t("editor.create")} pending={save.isPending} />
      </form>
    </AdminPage>
  );
}

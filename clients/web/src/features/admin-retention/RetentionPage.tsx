import { Code } from "@connectrpc/connect";
import { HelpdeskError } from "@helpdesk/client";
import { TriangleAlert } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { AdminPage } from "@/components/AdminTabs";
import { ConflictChoice } from "@/components/admin/ConflictChoice";
import { useEtagConflict } from "@/components/admin/useEtagConflict";
import { SaveBar } from "@/components/admin/SaveBar";
import { Card, ErrorBanner, PageHeader, PageSpinner, TextField } from "@/components";
import { describeError, translateViolation } from "@/lib/errors";
import { formatRelative } from "@/lib/format";
import { useDocumentTitle } from "@/lib/title";
import { useRetentionPolicy, useUpdateRetentionPolicy, type RetentionPolicy } from "./api";
import "./i18n";

type Field = "tickets" | "chats";
const PATHS: Record<string, Field> = { "retention_policy.closed_ticket_days": "tickets", "retention_policy.ended_chat_days": "chats" };

interface Period {
  on: boolean;
  days: string;
}
interface Draft {
  tickets: Period;
  chats: Period;
}

function toDraft(policy: RetentionPolicy): Draft {
  const period = (days: number): Period => ({ on: days > 0, days: days > 0 ? String(days) : "365" });
  return { tickets: period(policy.closedTicketDays), chats: period(policy.endedChatDays) };
}

/** `/admin/retention`: how long closed tickets and ended chats are kept (forever until set), and the job's last pass. */
export function RetentionPage() {
  const { t } = useTranslation("adminRetention");
  const { t: tc } = useTranslation();
  useDocumentTitle(t("title"));
  const policy = useRetentionPolicy();
  return (
    <AdminPage narrow>
      <PageHeader title={t("title")} description={t("subtitle")} />
      {policy.isPending ? (
        <PageSpinner />
      ) : policy.isError ? (
        <ErrorBanner onRetry={() => void policy.refetch()}>{`${t("loadFailed")} ${describeError(policy.error, tc)}`}</ErrorBanner>
      ) : (
        <RetentionForm policy={policy.data} refetch={async () => (await policy.refetch()).data} />
      )}
    </AdminPage>
  );
}

function RetentionForm({ policy, refetch }: { policy: RetentionPolicy; refetch: () => Promise<RetentionPolicy | undefined> }) {
  const { t, i18n } = useTranslation("adminRetention");
  const { t: tc } = useTranslation();
  const [draft, setDraft] = useState(() => toDraft(policy));
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [banner, setBanner] = useState<string>();
  const [saved, setSaved] = useState(false);
  const update = useUpdateRetentionPolicy();
  const sync = useEtagConflict(policy.etag, { reload: refetch, take: (fresh) => setDraft(toDraft(fresh)) });

  const change = (field: Field, period: Partial<Period>) => {
    setDraft((previous) => ({ ...previous, [field]: { ...previous[field], ...period } }));
    setErrors((previous) => ({ ...previous, [field]: undefined }));
    setSaved(false);
  };
  const days = (period: Period): number => (period.on ? (/^\s*\d+\s*$/.test(period.days) ? Number(period.days) : Number.NaN) : 0);

  const submit = async () => {
    setBanner(undefined);
    setSaved(false);
    const values = { tickets: days(draft.tickets), chats: days(draft.chats) };
    const found: Partial<Record<Field, string>> = {};
    for (const field of ["tickets", "chats"] as const) {
      if (Number.isNaN(values[field])) found[field] = t("field.whole");
    }
    if (Object.keys(found).length > 0) {
      setErrors(found);
      document.getElementById(`retention-${(["tickets", "chats"] as const).find((field) => found[field])}`)?.focus();
      return;
    }
    try {
      const stored = await update.mutateAsync({ closedTicketDays: values.tickets, endedChatDays: values.chats, etag: sync.etag });
      setDraft(toDraft(stored));
      sync.saved(stored);
      setErrors({});
      setSaved(true);
    } catch (error) {
      const failure = HelpdeskError.from(error);
      if (failure.reason === "ETAG_MISMATCH") {
        sync.clash();
        return;
      }
      if (failure.code === Code.InvalidArgument) {
        const placed: Partial<Record<Field, string>> = {};
        for (const [path, description] of Object.entries(failure.fieldViolations)) {
          const field = PATHS[path];
          const max = /to (\d+) days/.exec(description);
          if (field) placed[field] = max ? t("field.range", { max: Number(max[1]).toLocaleString(i18n.language) }) : translateViolation(description, tc);
        }
        const first = (["tickets", "chats"] as const).find((field) => placed[field]);
        if (first) {
          setErrors(placed);
          document.getElementById(`retention-${first}`)?.focus();
          return;
        }
      }
      setBanner(describeError(failure, tc));
    }
  };

  return (
    <form
      noValidate
      className="flex flex-col gap-6"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      {sync.conflict ? (
        <ConflictChoice message={t("conflict")} keepMine={t("keepMine")} takeTheirs={t("showTheirs")} onKeepMine={() => void sync.resolve(true)} onTakeTheirs={() => void sync.resolve(false)} />
      ) : null}
      {banner ? <ErrorBanner>{banner}</ErrorBanner> : null}
      <Card className="flex flex-col gap-6 p-5">
        {(["tickets", "chats"] as const).map((field) => (
          <fieldset key={field} className="flex flex-col gap-3">
            <label className="flex items-center gap-2 text-sm font-medium text-fg">
              <input
                type="checkbox"
                className="size-4 shrink-0 accent-[var(--color-accent)]"
                checked={draft[field].on}
                onChange={(event) => change(field, { on: event.target.checked })}
              />
              {t(field)}
            </label>
            {draft[field].on ? (
              <div className="pl-6 sm:max-w-xs">
                <TextField
                  id={`retention-${field}`}
                  label={t(`${field}Days`)}
                  hint={t("daysHint")}
                  inputMode="numeric"
                  value={draft[field].days}
                  error={errors[field]}
                  onChange={(event) => change(field, { days: event.target.value })}
                />
              </div>
            ) : (
              <p className="pl-6 text-sm text-muted">{t("keptForever")}</p>
            )}
          </fieldset>
        ))}
        <div className="flex gap-3 rounded-lg border border-warning/40 bg-warning-soft p-3 text-sm text-fg">
          <TriangleAlert aria-hidden="true" className="mt-0.5 size-4 shrink-0 text-warning" />
          <p>{t("warning")}</p>
        </div>
        <div className="flex flex-col gap-1 text-sm text-muted">
          <p>
            {policy.lastRunTime
              ? t("lastRun", { when: formatRelative(policy.lastRunTime, i18n.language), tickets: policy.lastRunDeletedTickets, chats: policy.lastRunDeletedChats })
              : t("neverRun")}
          </p>
          {policy.updateTime ? <p>{t("changed", { when: formatRelative(policy.updateTime, i18n.language) })}</p> : null}
        </div>
      </Card>
      <SaveBar saved={saved} savedLabel={t("saved")} label={t("save")} pending={update.isPending} />
    </form>
  );
}

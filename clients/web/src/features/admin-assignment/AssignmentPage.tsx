import { Code } from "@connectrpc/connect";
import { HelpdeskError, type AssignmentSettings } from "@helpdesk/client";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { AdminPage } from "@/components/AdminTabs";
import { ConflictChoice } from "@/components/admin/ConflictChoice";
import { useEtagConflict } from "@/components/admin/useEtagConflict";
import { SaveBar } from "@/components/admin/SaveBar";
import { Card, ErrorBanner, PageHeader, Spinner, TextField } from "@/components";
import { describeError } from "@/lib/errors";
import { useDocumentTitle } from "@/lib/title";
import { useAgentCapacities, useAssignmentSettings, useUpdateAssignmentSettings } from "./api";
import { AgentLimitRow } from "./components/AgentLimitRow";
import { limitViolation } from "./components/violations";
import { parseCategories, parseWhole } from "./model";
import "./i18n";

interface Draft {
  ticketsEnabled: boolean;
  categories: string;
  chatsEnabled: boolean;
  defaultTicketCapacity: string;
  defaultChatLimit: string;
}
type Field = "categories" | "defaultTicketCapacity" | "defaultChatLimit";
const FIELDS: readonly Field[] = ["categories", "defaultTicketCapacity", "defaultChatLimit"];
const PATHS: Record<string, Field> = {
  "settings.ticket_categories": "categories",
  "settings.default_ticket_capacity": "defaultTicketCapacity",
  "settings.default_chat_limit": "defaultChatLimit",
};

function toDraft(settings: AssignmentSettings): Draft {
  return {
    ticketsEnabled: settings.ticketsEnabled,
    categories: settings.ticketCategories.join(", "),
    chatsEnabled: settings.chatsEnabled,
    defaultTicketCapacity: String(settings.defaultTicketCapacity),
    defaultChatLimit: String(settings.defaultChatLimit),
  };
}

/** `/admin/assignment`: automatic assignment on or off (globally, per category, for chats), default and per-agent limits. */
export function AssignmentPage() {
  const { t } = useTranslation("adminAssignment");
  const { t: tc } = useTranslation();
  useDocumentTitle(t("title"));
  const settings = useAssignmentSettings();
  const capacities = useAgentCapacities();
  const [agentNotice, setAgentNotice] = useState<string>();

  return (
    <AdminPage narrow>
      <PageHeader title={t("title")} description={t("subtitle")} />
      <div className="flex flex-col gap-6">
        {settings.isPending ? (
          <div className="flex justify-center py-10">
            <Spinner size="lg" label={tc("app.loading")} />
          </div>
        ) : settings.isError ? (
          <ErrorBanner onRetry={() => void settings.refetch()}>{`${t("loadFailed")} ${describeError(settings.error, tc)}`}</ErrorBanner>
        ) : (
          <SettingsForm settings={settings.data} refetch={async () => (await settings.refetch()).data} />
        )}
        <Card className="p-0">
          <div className="border-b border-border px-5 py-4">
            <h2 className="text-base font-semibold text-fg">{t("agentsTitle")}</h2>
            <p className="mt-1 text-sm text-muted">{t("agentsBody")}</p>
          </div>
          {agentNotice ? (
            <div className="px-5 pt-4">
              <ErrorBanner tone="info" onDismiss={() => setAgentNotice(undefined)}>
                {agentNotice}
              </ErrorBanner>
            </div>
          ) : null}
          {capacities.isPending ? (
            <div className="flex justify-center py-10">
              <Spinner label={tc("app.loading")} />
            </div>
          ) : capacities.isError ? (
            <div className="p-5">
              <ErrorBanner onRetry={() => void capacities.refetch()}>{describeError(capacities.error, tc)}</ErrorBanner>
            </div>
          ) : capacities.data.length === 0 ? (
            <p className="px-5 py-6 text-sm text-muted">{t("agentsEmpty")}</p>
          ) : (
            <ul aria-label={t("agentsLabel")} className="divide-y divide-border">
              {capacities.data.map((capacity) => (
                <AgentLimitRow
                  key={`${capacity.agentId}:${capacity.ticketCapacity}:${capacity.chatLimit}`}
                  capacity={capacity}
                  onSaved={(name) => setAgentNotice(t("savedAgent", { name }))}
                />
              ))}
            </ul>
          )}
        </Card>
      </div>
    </AdminPage>
  );
}

function SettingsForm({ settings, refetch }: { settings: AssignmentSettings; refetch: () => Promise<AssignmentSettings | undefined> }) {
  const { t } = useTranslation("adminAssignment");
  const { t: tc } = useTranslation();
  const [draft, setDraft] = useState(() => toDraft(settings));
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [banner, setBanner] = useState<string>();
  const [saved, setSaved] = useState(false);
  const update = useUpdateAssignmentSettings();
  const sync = useEtagConflict(settings.etag, { reload: refetch, take: (fresh) => setDraft(toDraft(fresh)) });

  useEffect(() => {
    const first = FIELDS.find((field) => errors[field]);
    if (first) document.getElementById(`assignment-${first}`)?.focus();
  }, [errors]);

  const change = (values: Partial<Draft>, field?: Field) => {
    setDraft((previous) => ({ ...previous, ...values }));
    setSaved(false);
    if (field && errors[field]) setErrors((previous) => ({ ...previous, [field]: undefined }));
  };

  const submit = async () => {
    setBanner(undefined);
    setSaved(false);
    const capacity = parseWhole(draft.defaultTicketCapacity);
    const limit = parseWhole(draft.defaultChatLimit);
    const found: Partial<Record<Field, string>> = {};
    if (Number.isNaN(capacity)) found.defaultTicketCapacity = t("field.whole");
    if (Number.isNaN(limit)) found.defaultChatLimit = t("field.whole");
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    try {
      const stored = await update.mutateAsync({
        etag: sync.etag,
        fields: {
          ticketsEnabled: draft.ticketsEnabled,
          ticketCategories: parseCategories(draft.categories),
          chatsEnabled: draft.chatsEnabled,
          defaultTicketCapacity: capacity,
          defaultChatLimit: limit,
        },
      });
      setDraft(toDraft(stored));
      sync.saved(stored);
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
          if (field) placed[field] = limitViolation(description, t, tc);
        }
        if (Object.keys(placed).length > 0) {
          setErrors(placed);
          return;
        }
      }
      setBanner(describeError(failure, tc));
    }
  };

  return (
    <Card className="p-5">
      <form
        noValidate
        className="flex flex-col gap-5"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <h2 className="text-base font-semibold text-fg">{t("settingsTitle")}</h2>
        {sync.conflict ? (
          <ConflictChoice message={t("conflict")} keepMine={t("keepMine")} takeTheirs={t("showTheirs")} onKeepMine={() => void sync.resolve(true)} onTakeTheirs={() => void sync.resolve(false)} />
        ) : null}
        {banner ? <ErrorBanner>{banner}</ErrorBanner> : null}
        <label className="flex items-center gap-2 text-sm text-fg">
          <input type="checkbox" className="size-4 shrink-0 accent-[var(--color-accent)]" checked={draft.ticketsEnabled} onChange={(event) => change({ ticketsEnabled: event.target.checked })} />
          {t("ticketsEnabled")}
        </label>
        <TextField
          id="assignment-categories"
          label={t("categories")}
          hint={t("categoriesHint")}
          optional
          autoComplete="off"
          value={draft.categories}
          error={errors.categories}
          onChange={(event) => change({ categories: event.target.value }, "categories")}
        />
        <label className="flex items-center gap-2 text-sm text-fg">
          <input type="checkbox" className="size-4 shrink-0 accent-[var(--color-accent)]" checked={draft.chatsEnabled} onChange={(event) => change({ chatsEnabled: event.target.checked })} />
          {t("chatsEnabled")}
        </label>
        <div className="grid gap-5 sm:grid-cols-2">
          <TextField
            id="assignment-defaultTicketCapacity"
            label={t("defaultTicketCapacity")}
            hint={t("defaultTicketCapacityHint")}
            inputMode="numeric"
            value={draft.defaultTicketCapacity}
            error={errors.defaultTicketCapacity}
            onChange={(event) => change({ defaultTicketCapacity: event.target.value }, "defaultTicketCapacity")}
          />
          <TextField
            id="assignment-defaultChatLimit"
            label={t("defaultChatLimit")}
            hint={t("defaultChatLimitHint")}
            inputMode="numeric"
            value={draft.defaultChatLimit}
            error={errors.defaultChatLimit}
            onChange={(event) => change({ defaultChatLimit: event.target.value }, "defaultChatLimit")}
          />
        </div>
        <SaveBar saved={saved} savedLabel={t("saved")} label={t("save")} pending={update.isPending} />
      </form>
    </Card>
  );
}

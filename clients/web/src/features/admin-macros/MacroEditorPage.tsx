import { Code } from "@connectrpc/connect";
import { HelpdeskError, type Macro } from "@helpdesk/client";
import { getRouteApi, Link, useNavigate } from "@tanstack/react-router";
import { ArrowLeft, Plus } from "lucide-react";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { AdminPage } from "@/components/AdminTabs";
import { ConflictChoice } from "@/components/admin/ConflictChoice";
import { useEtagConflict } from "@/components/admin/useEtagConflict";
import { SaveBar } from "@/components/admin/SaveBar";
import { Button, Card, ErrorBanner, LoadedItem, PageHeader, Select, TextField } from "@/components";
import { describeError, translateViolation } from "@/lib/errors";
import { newRequestId } from "@/lib/ids";
import { useShortcut } from "@/lib/shortcuts";
import { useDocumentTitle } from "@/lib/title";
import { useAssignableAgents, useMacro, useSaveMacro } from "./api";
import { MacroPreview } from "./components/MacroPreview";
import { stepControlId, StepEditor } from "./components/StepEditor";
import { MACRO_VIOLATIONS } from "./i18n";
import { ACTION_KINDS, emptyDraft, fieldOfPath, fromMacro, MAX_ACTIONS, newAction, type ActionDraft, type ActionKind, type MacroDraft } from "./model";

/** Errors by editor field: `name`, `description`, `actions`, `step.<key>.<part>`. */
type Errors = Record<string, string | undefined>;

const route = getRouteApi("/admin/macros/$macroId");

/** `/admin/macros/new`: a new macro. */
export function NewMacroPage() {
  return <MacroEditor />;
}

/** `/admin/macros/$macroId`: a macro loaded, edited and saved with its etag. */
export function MacroEditorPage() {
  const { macroId } = route.useParams();
  const { t } = useTranslation("adminMacros");
  const macro = useMacro(macroId);
  return (
    <LoadedItem query={macro} notFound={t("editor.notFound")} back={t("editor.back")} list="/admin/macros">
      {(loaded) => <MacroEditor key={loaded.id} loaded={loaded} />}
    </LoadedItem>
  );
}

/** The DOM id of a field key (`step.<key>.<part>` → the step's control). */
function domId(field: string): string {
  const step = /^step\.(\d+)\.(\w+)$/.exec(field);
  return step ? stepControlId(Number(step[1]), step[2] ?? "kind") : field === "actions" ? "macro-add-kind" : `macro-${field}`;
}

function MacroEditor({ loaded }: { loaded?: Macro }) {
  const { t } = useTranslation("adminMacros");
  const { t: tc } = useTranslation();
  const title = loaded ? t("editor.editTitle") : t("editor.newTitle");
  useDocumentTitle(title);
  const navigate = useNavigate();
  const [draft, setDraft] = useState<MacroDraft>(() => (loaded ? fromMacro(loaded) : emptyDraft()));
  const [requestId] = useState(newRequestId);
  const [errors, setErrors] = useState<Errors>({});
  const [banner, setBanner] = useState<{ message: string; details: string[] }>();
  const [saved, setSaved] = useState(false);
  const [addKind, setAddKind] = useState<ActionKind>("reply");
  const [focusNext, setFocusNext] = useState<string>();
  const save = useSaveMacro();
  const agents = useAssignableAgents();
  const macroQuery = useMacro(loaded?.id ?? "", false);
  const sync = useEtagConflict(loaded?.etag, { reload: async () => (await macroQuery.refetch()).data, take: (fresh) => setDraft(fromMacro(fresh)) });

  // Focus follows what the user did: the first field in error, a new step, a moved step's button.
  useEffect(() => {
    const order = ["name", "description", ...draft.actions.flatMap((step) => ["kind", "body", "status", "priority", "tags", "assignee"].map((part) => `step.${step.key}.${part}`)), "actions"];
    const first = order.find((key) => errors[key]);
    if (first) document.getElementById(domId(first))?.focus();
    // Only when a new set of errors arrives, not as the draft changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [errors]);
  useEffect(() => {
    if (focusNext) document.getElementById(focusNext)?.focus();
  }, [focusNext]);

  const edited = () => setSaved(false);
  const clear = (keys: string[]) => {
    if (keys.some((key) => errors[key])) setErrors((previous) => ({ ...previous, ...Object.fromEntries(keys.map((key) => [key, undefined])) }));
  };
  const changeStep = (key: number, update: Partial<ActionDraft>, part: string) => {
    setDraft((previous) => ({ ...previous, actions: previous.actions.map((step) => (step.key === key ? { ...step, ...update } : step)) }));
    edited();
    clear([`step.${key}.${part}`, `step.${key}.kind`]);
  };
  const moveStep = (index: number, by: -1 | 1) => {
    const step = draft.actions[index];
    const target = index + by;
    if (!step || target < 0 || target >= draft.actions.length) return;
    const actions = [...draft.actions];
    actions.splice(index, 1);
    actions.splice(target, 0, step);
    setDraft({ ...draft, actions });
    edited();
    // Keep the focus on the button pressed; at the end of the list it is disabled, so the other one.
    const edge = target === 0 || target === actions.length - 1;
    setFocusNext(stepControlId(step.key, edge ? (by < 0 ? "down" : "up") : by < 0 ? "up" : "down"));
  };
  const removeStep = (index: number) => {
    const actions = draft.actions.filter((_, at) => at !== index);
    setDraft({ ...draft, actions });
    edited();
    const next = actions[Math.min(index, actions.length - 1)];
    setFocusNext(next ? stepControlId(next.key, "kind") : "macro-add-kind");
  };
  const addStep = () => {
    const step = newAction(addKind);
    setDraft({ ...draft, actions: [...draft.actions, step] });
    edited();
    clear(["actions"]);
    setFocusNext(stepControlId(step.key, addKind === "reply" || addKind === "note" ? "body" : addKind === "addTags" || addKind === "removeTags" ? "tags" : "kind"));
  };

  const words = (description: string): string => {
    const unknown = /^unknown placeholder '([^']*)'/.exec(description);
    if (unknown) return t("field.unknownPlaceholder", { placeholder: unknown[1] });
    for (const [pattern, key] of MACRO_VIOLATIONS) {
      const match = pattern.exec(description);
      if (match) return t(key, match[1] === undefined ? undefined : { count: Number(match[1]) });
    }
    return translateViolation(description, tc);
  };

  const submit = async () => {
    setBanner(undefined);
    setSaved(false);
    const found: Errors = {};
    if (!draft.name.trim()) found.name = tc("errors.field.required");
    for (const step of draft.actions) {
      if ((step.kind === "reply" || step.kind === "note") && !step.body.trim()) found[`step.${step.key}.body`] = tc("errors.field.required");
    }
    if (draft.actions.length === 0) found.actions = t("field.required");
    if (Object.keys(found).length > 0) {
      setErrors(found);
      return;
    }
    // The server names steps by position: remember which step each position was when this was sent.
    const keys = draft.actions.map((step) => step.key);
    try {
      const macro = await save.mutateAsync({ draft, id: loaded?.id, etag: sync.etag, requestId });
      setErrors({});
      if (loaded === undefined) {
        void navigate({ to: "/admin/macros" });
        return;
      }
      sync.saved(macro);
      setDraft(fromMacro(macro));
      setSaved(true);
    } catch (error) {
      const failure = HelpdeskError.from(error);
      if (failure.reason === "ETAG_MISMATCH") {
        sync.clash();
        return;
      }
      if (failure.code === Code.InvalidArgument && Object.keys(failure.fieldViolations).length > 0) {
        const placed: Errors = {};
        const unplaced: string[] = [];
        for (const [path, description] of Object.entries(failure.fieldViolations)) {
          const field = fieldOfPath(path);
          const step = /^action\.(\d+)\.(\w+)$/.exec(field);
          const key = step ? `step.${keys[Number(step[1])] ?? -1}.${step[2]}` : field;
          if (field === "form" || (step && keys[Number(step[1])] === undefined) || placed[key] !== undefined) unplaced.push(words(description));
          else placed[key] = words(description);
        }
        setErrors(placed);
        if (unplaced.length > 0) setBanner({ message: tc("errors.invalid"), details: unplaced });
        return;
      }
      setBanner({ message: describeError(failure, tc), details: [] });
    }
  };

  useShortcut("mod+s", () => void submit(), { description: t("editor.saveShortcut"), group: title, allowInInput: true });

  const full = draft.actions.length >= MAX_ACTIONS;
  return (
    <AdminPage>
      <Link to="/admin/macros" className="mb-3 inline-flex items-center gap-1 text-sm text-muted hover:text-fg">
        <ArrowLeft aria-hidden="true" className="size-4" />
        {t("editor.back")}
      </Link>
      <PageHeader title={title} description={loaded?.name} />
      <div className="grid items-start gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <form
          noValidate
          className="flex min-w-0 flex-col gap-6"
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
            <h2 className="text-base font-semibold text-fg">{t("editor.about")}</h2>
            <TextField
              id="macro-name"
              label={t("editor.name")}
              hint={t("editor.nameHint")}
              autoComplete="off"
              value={draft.name}
              error={errors.name}
              onChange={(event) => {
                setDraft({ ...draft, name: event.target.value });
                edited();
                clear(["name"]);
              }}
            />
            <TextField
              id="macro-description"
              label={t("editor.description")}
              hint={t("editor.descriptionHint")}
              optional
              autoComplete="off"
              value={draft.description}
              error={errors.description}
              onChange={(event) => {
                setDraft({ ...draft, description: event.target.value });
                edited();
                clear(["description"]);
              }}
            />
          </Card>
          <section aria-labelledby="macro-steps" className="flex flex-col gap-3">
            <div>
              <h2 id="macro-steps" className="text-base font-semibold text-fg">
                {t("editor.steps")}
              </h2>
              <p className="mt-1 text-sm text-muted">{t("editor.stepsHint")}</p>
            </div>
            {draft.actions.length > 0 ? (
              <ol aria-label={t("editor.stepsLabel")} className="flex flex-col gap-3">
                {draft.actions.map((step, index) => (
                  <StepEditor
                    key={step.key}
                    step={step}
                    index={index}
                    count={draft.actions.length}
                    errors={errors}
                    agents={agents.data ?? []}
                    onChange={(update, part) => changeStep(step.key, update, part)}
                    onMove={(by) => moveStep(index, by)}
                    onRemove={() => removeStep(index)}
                  />
                ))}
              </ol>
            ) : null}
            <div className="flex flex-col gap-2 rounded-xl border border-dashed border-border-strong p-3 sm:flex-row sm:items-start">
              <div className="min-w-0 flex-1">
                <Select
                  id="macro-add-kind"
                  label={t("editor.addKind")}
                  value={addKind}
                  error={errors.actions}
                  hint={full ? t("editor.tooMany", { count: MAX_ACTIONS }) : undefined}
                  options={ACTION_KINDS.map((kind) => ({ value: kind, label: t(`kind.${kind}`) }))}
                  onChange={(event) => setAddKind(event.target.value as ActionKind)}
                />
              </div>
              <div className="sm:pt-[26px]">
                <Button variant="secondary" icon={<Plus aria-hidden="true" className="size-4" />} disabled={full} onClick={addStep}>
                  {t("editor.addStep")}
                </Button>
              </div>
            </div>
          </section>
          <SaveBar saved={saved} savedLabel={t("editor.saved")} label={loaded ? t("editor.save") : t("editor.create")} pending={save.isPending} />
        </form>
        <aside aria-label={t("editor.preview")} className="lg:sticky lg:top-20">
          <MacroPreview steps={draft.actions} agents={agents.data ?? []} />
        </aside>
      </div>
    </AdminPage>
  );
}

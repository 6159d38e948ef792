import { Code } from "@connectrpc/connect";
import { ArticleState, HelpdeskError, Role, type Article } from "@helpdesk/client";
import { Link, useNavigate } from "@tanstack/react-router";
import { ArrowLeft, ExternalLink } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button, buttonClasses, Card, Dialog, ErrorBanner, Page, TextField } from "@/components";
import { useSession } from "@/lib/client";
import { clearDraft, useDraft } from "@/lib/drafts";
import { describeError, mapViolations } from "@/lib/errors";
import { newRequestId } from "@/lib/ids";
import { useDocumentTitle } from "@/lib/title";
import { useArticleWrite, useDeleteArticle, useFreshArticle, useKnownCategories } from "../api";
import { changedFields, draftOf, EMPTY_DRAFT, type ArticleDraft } from "../model/draft";
import { ConflictPanel } from "./ConflictPanel";
import { MarkdownEditor } from "./MarkdownEditor";
import { StateBadge } from "./StateBadge";

const FIELDS = ["title", "body", "category", "tags"] as const;
type Field = (typeof FIELDS)[number];
const PATHS: Partial<Record<string, Field>> = { "article.title": "title", "article.body": "body", "article.category": "category", "article.tags": "tags" };
type Action = "save" | "publish" | "unpublish" | "delete";
type Done = "created" | "saved" | "published" | "unpublished";

// What the last write of a new article did, told to the editor that opens it next (the new
// article's page is another mount of this component).
let handedOver: { id: string; done: Done } | undefined;

/** The editor of one article (or a new one): fields, live preview, save / publish / unpublish / delete, conflicts. */
export function ArticleEditor({ article }: { article: Article | undefined }) {
  const { t } = useTranslation("kbEditor");
  const { t: tc } = useTranslation();
  useDocumentTitle(article ? t("editor.editTitle") : t("editor.newTitle"));
  const navigate = useNavigate();
  const { role } = useSession();
  const key = `article:${article?.id ?? "new"}`;
  const [stored, setStored] = useState(article);
  const [initial] = useState<ArticleDraft>(() => (article ? draftOf(article) : EMPTY_DRAFT));
  const [draft, setDraft] = useDraft<ArticleDraft>(key, initial);
  const [requestId] = useState(newRequestId);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [banner, setBanner] = useState<{ tone: "info" | "danger"; message: string; details?: string[] } | undefined>(() => {
    if (article === undefined || handedOver?.id !== article.id) return undefined;
    const message = t(`editor.done.${handedOver.done}`);
    handedOver = undefined;
    return { tone: "info", message };
  });
  const [conflict, setConflict] = useState<Article>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [running, setRunning] = useState<Action>();
  const write = useArticleWrite();
  const remove = useDeleteArticle();
  const fresh = useFreshArticle();
  const categories = useKnownCategories();

  const paths = stored ? changedFields(draft, stored) : [];
  const dirty = stored ? paths.length > 0 : draft.title !== "" || draft.body !== "" || draft.category !== "" || draft.tags !== "";
  const published = stored?.state === ArticleState.PUBLISHED;

  const update = <K extends keyof ArticleDraft>(field: K, value: ArticleDraft[K]) => {
    setDraft({ ...draft, [field]: value });
    if (errors[field as Field]) setErrors({ ...errors, [field]: undefined });
  };
  /** The stored article is now `saved`; the form keeps its text (unless `reset`) on top of its etag. */
  const adopt = (saved: Article, reset: boolean) => {
    setStored(saved);
    setDraft(reset ? draftOf(saved) : { ...draft, baseEtag: saved.etag });
    clearDraft(key); // the server has it: nothing to restore after a reload
  };

  const validate = (): boolean => {
    const found: Partial<Record<Field, string>> = {};
    if (!draft.title.trim()) found.title = tc("errors.field.required");
    if (!draft.body.trim()) found.body = tc("errors.field.required");
    setErrors(found);
    const first = FIELDS.find((field) => found[field]);
    if (first) document.getElementById(`article-${first}`)?.focus();
    return first === undefined;
  };

  const fail = async (error: unknown) => {
    const failure = HelpdeskError.from(error);
    if (failure.code === Code.Aborted && stored) {
      try {
        setConflict(await fresh(stored.id));
        return;
      } catch (reloadError) {
        setBanner({ tone: "danger", message: describeError(reloadError, tc) });
        return;
      }
    }
    const placed = mapViolations(failure.fieldViolations, FIELDS, tc, PATHS);
    setErrors(placed.fields);
    const first = FIELDS.find((field) => placed.fields[field]);
    if (first) document.getElementById(`article-${first}`)?.focus();
    if (!first || placed.unplaced.length > 0) setBanner({ tone: "danger", message: describeError(failure, tc), details: placed.unplaced });
  };

  /** Saves the form if it changed (or creates the article); answers the article as stored. */
  const save = async (): Promise<Article> => {
    if (!stored) {
      const created = await write.mutateAsync({ kind: "create", draft, requestId });
      clearDraft("article:new");
      return created;
    }
    if (paths.length === 0) return stored;
    return write.mutateAsync({ kind: "update", id: stored.id, draft, paths });
  };

  const run = async (action: Action) => {
    if (running) return;
    setBanner(undefined);
    if ((action === "save" || action === "publish") && !validate()) return;
    setRunning(action);
    try {
      if (action === "delete" && stored) {
        setConfirmDelete(false);
        await remove.mutateAsync({ id: stored.id, etag: draft.baseEtag });
        clearDraft(key);
        await navigate({ to: "/agent/articles" });
        return;
      }
      let saved = action === "unpublish" || !dirty ? (stored as Article) : await save();
      const contentSaved = saved !== stored;
      const etag = contentSaved ? saved.etag : draft.baseEtag;
      if (action === "publish") saved = await write.mutateAsync({ kind: "publish", id: saved.id, etag });
      if (action === "unpublish") saved = await write.mutateAsync({ kind: "unpublish", id: saved.id, etag });
      const done: Done = action === "publish" ? "published" : action === "unpublish" ? "unpublished" : stored ? "saved" : "created";
      if (!stored) {
        clearDraft(key);
        handedOver = { id: saved.id, done };
        await navigate({ to: "/agent/articles/$articleId", params: { articleId: saved.id }, replace: true });
        return;
      }
      adopt(saved, contentSaved);
      setBanner({ tone: "info", message: t(`editor.done.${done}`) });
    } catch (error) {
      await fail(error);
    } finally {
      setRunning(undefined);
    }
  };

  const knownCategories = categories.data ?? [];
  return (
    <Page width="wide">
      <Link to="/agent/articles" className="mb-4 inline-flex items-center gap-1.5 rounded-md text-sm text-muted hover:text-fg">
        <ArrowLeft aria-hidden="true" className="size-4" />
        {t("editor.back")}
      </Link>
      <div className="mb-6 flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
        <div className="flex min-w-0 items-center gap-3">
          <h1 className="text-2xl font-semibold tracking-tight text-fg">{stored ? t("editor.editTitle") : t("editor.newTitle")}</h1>
          {stored ? <StateBadge state={stored.state} /> : null}
        </div>
        <p className="text-xs text-muted" aria-live="polite">
          {dirty ? t("editor.unsaved") : stored ? t("editor.saved") : ""}
        </p>
      </div>
      <div className="flex flex-col gap-4">
        {conflict ? (
          <ConflictPanel
            theirs={conflict}
            onKeepMine={() => {
              setStored(conflict);
              setDraft({ ...draft, baseEtag: conflict.etag });
              setConflict(undefined);
            }}
            onUseTheirs={() => {
              adopt(conflict, true);
              setConflict(undefined);
            }}
          />
        ) : null}
        {banner ? (
          <ErrorBanner tone={banner.tone} details={banner.details} onDismiss={() => setBanner(undefined)}>
            {banner.message}
          </ErrorBanner>
        ) : null}
        <Card className="p-4 sm:p-6">
          <form
            noValidate
            className="flex flex-col gap-5"
            onSubmit={(event) => {
              event.preventDefault();
              void run("save");
            }}
          >
            <TextField id="article-title" label={t("editor.title")} value={draft.title} maxLength={200} error={errors.title} onChange={(event) => update("title", event.target.value)} />
            <div className="grid gap-5 sm:grid-cols-2">
              <TextField
                id="article-category"
                label={t("editor.category")}
                hint={t("editor.categoryHint")}
                optional
                list="article-categories"
                autoComplete="off"
                value={draft.category}
                error={errors.category}
                onChange={(event) => update("category", event.target.value)}
              />
              <datalist id="article-categories">
                {knownCategories.map((name) => (
                  <option key={name} value={name} />
                ))}
              </datalist>
              <TextField
                id="article-tags"
                label={t("editor.tags")}
                hint={t("editor.tagsHint")}
                optional
                autoComplete="off"
                value={draft.tags}
                error={errors.tags}
                onChange={(event) => update("tags", event.target.value)}
              />
            </div>
            <MarkdownEditor title={draft.title} value={draft.body} error={errors.body} onChange={(value) => update("body", value)} />
            <div className="flex flex-col-reverse gap-3 border-t border-border pt-5 sm:flex-row sm:items-center sm:justify-between">
              <div className="flex flex-wrap gap-2">
                {stored && role === Role.ADMIN ? (
                  <Button variant="ghost" className="text-danger" disabled={running !== undefined} onClick={() => setConfirmDelete(true)}>
                    {t("editor.delete")}
                  </Button>
                ) : null}
                {published && stored ? (
                  <Link to="/help/$slug" params={{ slug: stored.slug }} target="_blank" className={buttonClasses("ghost")}>
                    <ExternalLink aria-hidden="true" className="size-4" />
                    {t("editor.viewPublic")}
                  </Link>
                ) : null}
              </div>
              <div className="flex flex-wrap gap-2">
                {published ? (
                  <Button variant="secondary" loading={running === "unpublish"} disabled={running !== undefined} onClick={() => void run("unpublish")}>
                    {t("editor.unpublish")}
                  </Button>
                ) : null}
                <Button type="submit" variant={published ? "primary" : "secondary"} loading={running === "save"} disabled={running !== undefined || (stored !== undefined && !dirty)}>
                  {stored ? t("editor.saveChanges") : t("editor.save")}
                </Button>
                {published ? null : (
                  <Button loading={running === "publish"} disabled={running !== undefined} onClick={() => void run("publish")}>
                    {dirty ? t("editor.saveAndPublish") : t("editor.publish")}
                  </Button>
                )}
              </div>
            </div>
          </form>
        </Card>
      </div>
      <Dialog
        open={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        title={t("editor.confirmDeleteTitle", { title: stored?.title ?? "" })}
        footer={
          <>
            <Button variant="secondary" onClick={() => setConfirmDelete(false)}>
              {tc("common.cancel")}
            </Button>
            <Button variant="danger" onClick={() => void run("delete")}>
              {t("editor.delete")}
            </Button>
          </>
        }
      >
        <p className="text-sm text-muted">{t("editor.confirmDeleteBody")}</p>
      </Dialog>
    </Page>
  );
}

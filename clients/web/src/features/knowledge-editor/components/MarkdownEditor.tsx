import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { TextArea } from "@/components";
import { ArticleLinkPicker } from "@/components/ArticleLinkPicker";
import { MarkdownView } from "@/components/MarkdownView";
import { articleLink, insertAtCursor } from "@/lib/article-links";
import { searchPublishedArticles } from "@/lib/article-search";
import { cx } from "@/lib/cx";

/**
 * The body: Markdown on the left, the live preview on the right (on narrow screens one at a time,
 * switched by Write / Preview). The preview is built from elements and text, never HTML.
 */
export function MarkdownEditor({ title, value, error, onChange }: { title: string; value: string; error?: string; onChange: (value: string) => void }) {
  const { t } = useTranslation("kbEditor");
  const [mode, setMode] = useState<"write" | "preview">("write");
  const area = useRef<HTMLTextAreaElement>(null);
  const tab = (name: "write" | "preview") => (
    <button
      type="button"
      aria-pressed={mode === name}
      onClick={() => setMode(name)}
      className={cx("h-8 rounded-md px-3 text-[13px] font-medium", mode === name ? "bg-surface text-fg shadow-xs" : "text-muted hover:text-fg")}
    >
      {t(`editor.${name}`)}
    </button>
  );
  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div role="group" aria-label={t("editor.mode")} className="inline-flex rounded-lg bg-subtle p-0.5 lg:hidden">
          {tab("write")}
          {tab("preview")}
        </div>
        <div className="ml-auto">
          <ArticleLinkPicker
            search={searchPublishedArticles}
            onPick={(option) => {
              const element = area.current;
              const at = element ? [element.selectionStart, element.selectionEnd] : [value.length, value.length];
              const next = insertAtCursor(value, at[0] ?? value.length, at[1] ?? value.length, articleLink(option, window.location.origin).markdown);
              onChange(next.text);
              requestAnimationFrame(() => {
                element?.focus();
                element?.setSelectionRange(next.cursor, next.cursor);
              });
            }}
          />
        </div>
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <div className={cx(mode === "preview" && "hidden lg:block")}>
          <TextArea
            ref={area}
            id="article-body"
            label={t("editor.body")}
            hint={t("editor.bodyHint")}
            rows={18}
            value={value}
            error={error}
            className="font-mono text-[13px]"
            onChange={(event) => onChange(event.target.value)}
          />
        </div>
        <section aria-labelledby="article-preview-label" className={cx("flex min-w-0 flex-col gap-1.5", mode === "write" && "hidden lg:flex")}>
          <h2 id="article-preview-label" className="text-[13px] font-medium text-fg">
            {t("editor.previewLabel")}
          </h2>
          <div className="flex-1 rounded-lg border border-border bg-canvas p-4 sm:p-5">
            {title.trim() || value.trim() ? (
              <>
                {title.trim() ? <p className="mb-4 text-2xl font-semibold tracking-tight text-fg">{title}</p> : null}
                <MarkdownView source={value} />
              </>
            ) : (
              <p className="text-sm text-muted">{t("editor.previewEmpty")}</p>
            )}
          </div>
        </section>
      </div>
    </div>
  );
}

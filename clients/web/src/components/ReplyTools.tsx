// What a staff reply box offers besides typing: "Insert article link" and canned responses, the
// latter also from `/word` typed in the box. Only the buttons and the `/` watch load with the
// page; the dialogs and what they do (./ReplyDialogs) load on first use, or when the box first
// gets focus.

import { BookOpen } from "lucide-react";
import { lazy, Suspense, useEffect, useRef, useState, type ReactNode, type RefObject } from "react";
import { useTranslation } from "react-i18next";
import { registerTranslations } from "@/lib/i18n";
import { slashQuery } from "@/lib/slash-query";
import { Button } from "./Button";
import type { ReplyContext, ReplyState } from "./ReplyDialogs";

export type { ReplyContext } from "./ReplyDialogs";

registerTranslations("replyTools", {
  en: {
    tools: "Insert",
    articleLink: "Article link",
    canned: "Canned response",
  },
  "pt-BR": {
    tools: "Inserir",
    articleLink: "Link de artigo",
    canned: "Resposta pronta",
  },
});

const loadDialogs = () => import("./ReplyDialogs");
const ReplyDialogs = lazy(() => loadDialogs().then((module) => ({ default: module.ReplyDialogs })));

export interface ReplyToolsOptions {
  /** The reply box. */
  box: RefObject<HTMLTextAreaElement | null>;
  text: string;
  setText: (text: string) => void;
  /** What fills a canned response's placeholders here (a ticket, or a chat's names). */
  context: ReplyContext;
  /** Off (a box whose user has no canned responses): no `/` picker, nothing loaded. */
  disabled?: boolean;
}

export interface ReplyTools {
  /** The buttons and (once used) their dialogs, to place by the box. */
  tools: ReactNode;
  /** Call from the box's onChange: a `/word` typed at the cursor opens the canned-response picker. */
  watch: (text: string, cursor: number) => void;
  /** Whether a `/word` picker is open or opening (Enter in the box must not send then). */
  picking: () => boolean;
  /** Shown by the box when filling a response failed. */
  error: string | undefined;
}

/** Reply tools for one box: call it in the composer, render `tools`, pass the box's changes to `watch`. */
export function useReplyTools({ box, text, setText, context, disabled = false }: ReplyToolsOptions): ReplyTools {
  const { t } = useTranslation("replyTools");
  const [open, setOpen] = useState<"article" | "canned">();
  // The dialogs stay mounted once loaded, so reopening is instant.
  const [used, setUsed] = useState(false);
  const [error, setError] = useState<string>();
  // The `/word` typed, which the picker's search starts with.
  const [slashWord, setSlashWord] = useState("");
  // Read in event handlers, which must see every keystroke's result at once.
  const state = useRef<ReplyState>({ text, open: false });
  state.current.text = text;

  const show = (which: "article" | "canned") => {
    state.current.open = which === "canned";
    setError(undefined);
    setUsed(true);
    setOpen(which);
  };

  const watch = (next: string, at: number) => {
    if (disabled) return;
    const found = slashQuery(next, at);
    state.current.slash = found?.start;
    if (found === undefined) {
      // The `/word` is gone: a new one opens the picker again.
      state.current.dismissed = undefined;
      return;
    }
    setSlashWord(found.query);
    if (found.start !== state.current.dismissed && !state.current.open) show("canned");
  };

  const picking = (): boolean => state.current.open || (state.current.slash !== undefined && state.current.slash !== state.current.dismissed);

  // The first focus of the box fetches the dialogs, so a quick `/` + Enter finds them ready.
  useEffect(() => {
    const element = box.current;
    if (!element || disabled) return;
    const preload = () => void loadDialogs();
    element.addEventListener("focus", preload, { once: true });
    return () => element.removeEventListener("focus", preload);
  }, [box, disabled]);

  const tools = (
    <div role="group" aria-label={t("tools")} className="flex flex-wrap items-center gap-1">
      <Button
        variant="ghost"
        size="sm"
        disabled={disabled}
        // The `/` that opens it from the box, as its icon.
        icon={
          <kbd aria-hidden="true" className="inline-flex size-4 items-center justify-center rounded border border-border font-mono text-[10px]">
            /
          </kbd>
        }
        aria-keyshortcuts="/"
        onClick={() => {
          setSlashWord("");
          show("canned");
        }}
      >
        {t("canned")}
      </Button>
      <Button variant="ghost" size="sm" disabled={disabled} icon={<BookOpen aria-hidden="true" className="size-4" />} onClick={() => show("article")}>
        {t("articleLink")}
      </Button>
      {used ? (
        <Suspense fallback={null}>
          <ReplyDialogs
            open={open}
            query={slashWord}
            box={box}
            state={state}
            setText={setText}
            context={context}
            onClose={() => {
              if (state.current.open) {
                // Closed on a `/word` (Escape, or a pick about to replace it): that `/` does not reopen it.
                state.current.dismissed = state.current.slash;
              }
              state.current.open = false;
              setOpen(undefined);
            }}
            onFailed={setError}
          />
        </Suspense>
      ) : null}
    </div>
  );

  return { tools, watch, picking, error };
}

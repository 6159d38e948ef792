// The dialogs behind ReplyTools and what picking in them does to the reply box: loaded on first use.

import type { RefObject } from "react";
import { flushSync } from "react-dom";
import { useTranslation } from "react-i18next";
import { articleLink, insertAtCursor, type ArticleLinkOption } from "@/lib/article-links";
import { searchPublishedArticles } from "@/lib/article-search";
import { renderCannedResponse, searchCannedResponses, type CannedResponseOption } from "@/lib/canned-responses";
import { registerTranslations } from "@/lib/i18n";
import { fillPlaceholders } from "@/lib/placeholders";
import { replaceSlashQuery, slashQuery } from "@/lib/slash-query";
import { ArticleLinkDialog } from "./ArticleLinkPicker";
import { CannedResponseDialog } from "./CannedResponsePicker";

registerTranslations("replyDialogs", {
  en: { renderFailed: "The canned response could not be filled in. Try again." },
  "pt-BR": { renderFailed: "Não foi possível preencher a resposta pronta. Tente de novo." },
});

/** What fills a canned response's placeholders: the server for a ticket, else the names a chat knows. */
export interface ReplyContext {
  ticketId?: string;
  customerName?: string;
  agentName?: string;
}

/** The reply box's state as its key handlers last saw it. */
export interface ReplyState {
  text: string;
  /** The canned-response picker is open. */
  open: boolean;
  /** Where the `/` of the `/word` at the cursor is, if any. */
  slash?: number;
  /** The `/` whose picker was closed: it does not reopen for it. */
  dismissed?: number;
}

/**
 * The box's new text and cursor, at once: React writes the text now (not on its next render), so
 * the cursor is placed in that text and a key typed next lands after what was inserted.
 */
function place(box: HTMLTextAreaElement | null, setText: (text: string) => void, next: { text: string; cursor: number }): void {
  flushSync(() => setText(next.text));
  box?.setSelectionRange(next.cursor, next.cursor);
}

function render(option: CannedResponseOption, context: ReplyContext): Promise<string> {
  return context.ticketId
    ? renderCannedResponse(option.id, context.ticketId)
    : Promise.resolve(fillPlaceholders(option.body, { customerName: context.customerName, agentName: context.agentName }));
}

export function ReplyDialogs({
  open,
  query,
  box,
  state,
  setText,
  context,
  onClose,
  onFailed,
}: {
  open: "article" | "canned" | undefined;
  query: string;
  box: RefObject<HTMLTextAreaElement | null>;
  state: RefObject<ReplyState>;
  setText: (text: string) => void;
  context: ReplyContext;
  onClose: () => void;
  /** Filling a canned response failed: the message to show by the box. */
  onFailed: (message: string) => void;
}) {
  const { t } = useTranslation("replyDialogs");
  const put = (next: { text: string; cursor: number }) => place(box.current, setText, next);

  const pickArticle = (option: ArticleLinkOption) => {
    const current = state.current.text;
    const start = box.current?.selectionStart ?? current.length;
    const end = box.current?.selectionEnd ?? current.length;
    put(insertAtCursor(current, start, end, articleLink(option, window.location.origin).plain));
  };

  const pickCanned = async (option: CannedResponseOption) => {
    // The `/word` as it is when picked: keys typed while the response comes from the server go on
    // after it, and after the response once it replaces the `/word`.
    const picked = state.current.text;
    const pickedEnd = box.current?.selectionEnd ?? picked.length;
    const slash = slashQuery(picked, pickedEnd);
    let body: string;
    try {
      body = await render(option, context);
    } catch {
      onFailed(t("renderFailed"));
      return;
    }
    const current = state.current.text;
    const end = box.current?.selectionEnd ?? current.length;
    if (slash !== undefined && current.startsWith(picked.slice(0, pickedEnd))) {
      const replaced = replaceSlashQuery(current, slash, pickedEnd, body);
      // A cursor after the `/word` moves with the text after it; one inside it goes after the response.
      const cursor = end >= pickedEnd ? end + replaced.cursor - pickedEnd : end <= slash.start ? end : replaced.cursor;
      put({ text: replaced.text, cursor });
      return;
    }
    const found = slashQuery(current, end);
    put(found ? replaceSlashQuery(current, found, end, body) : insertAtCursor(current, box.current?.selectionStart ?? end, end, body));
  };

  // Each dialog hands focus back to the box as it closes, within the key or click that closed it.
  return (
    <>
      <ArticleLinkDialog open={open === "article"} onClose={onClose} search={searchPublishedArticles} onPick={pickArticle} returnFocus={box} />
      <CannedResponseDialog
        open={open === "canned"}
        query={query}
        onClose={onClose}
        search={searchCannedResponses}
        onPick={(option) => void pickCanned(option)}
        returnFocus={box}
      />
    </>
  );
}

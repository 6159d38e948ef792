import { BookOpen } from "lucide-react";
import { useEffect, useRef, useState, type KeyboardEvent, type RefObject } from "react";
import { useTranslation } from "react-i18next";
import type { ArticleLinkOption } from "@/lib/article-links";
import { useDebounced } from "@/lib/debounce";
import { registerTranslations } from "@/lib/i18n";
import { Button } from "./Button";
import { Dialog } from "./Dialog";
import { ErrorBanner } from "./ErrorBanner";
import { Highlighted } from "./Highlighted";
import { SearchInput } from "./SearchInput";
import { Spinner } from "./Spinner";

// Its own strings, loaded with it (not with the app shell's first download).
registerTranslations("articleLinks", {
  en: {
    open: "Insert article link",
    title: "Insert a help article link",
    description: "Search published articles; the link goes where your cursor is.",
    search: "Search published articles",
    placeholder: "Search articles…",
    hint: "Type a few words of the article’s title or content.",
    none: "No published article matches.",
    results: "Matching articles",
    failed: "The articles could not be searched.",
  },
  "pt-BR": {
    open: "Inserir link de artigo",
    title: "Inserir link de artigo de ajuda",
    description: "Pesquise artigos publicados; o link entra onde está o cursor.",
    search: "Pesquisar artigos publicados",
    placeholder: "Pesquisar artigos…",
    hint: "Digite algumas palavras do título ou do conteúdo do artigo.",
    none: "Nenhum artigo publicado corresponde.",
    results: "Artigos encontrados",
    failed: "Não foi possível pesquisar os artigos.",
  },
});

/**
 * "Insert article link": a button opening a dialog that searches published help articles; picking
 * one calls `onPick` and closes. The search is passed in (`searchPublishedArticles` from
 * @/lib/article-search), so this stays free of API calls.
 */
export function ArticleLinkPicker({
  search,
  onPick,
  disabled = false,
  size = "sm",
}: {
  search: (query: string, signal?: AbortSignal) => Promise<ArticleLinkOption[]>;
  onPick: (article: ArticleLinkOption) => void;
  disabled?: boolean;
  size?: "sm" | "md";
}) {
  const { t } = useTranslation("articleLinks");
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="ghost" size={size} icon={<BookOpen aria-hidden="true" className="size-4" />} disabled={disabled} onClick={() => setOpen(true)}>
        {t("open")}
      </Button>
      <ArticleLinkDialog open={open} onClose={() => setOpen(false)} search={search} onPick={onPick} />
    </>
  );
}

/** The picker's dialog alone, opened by its caller (a reply box that loads it on first use). */
export function ArticleLinkDialog({
  open,
  onClose,
  search,
  onPick,
  returnFocus,
}: {
  open: boolean;
  onClose: () => void;
  search: (query: string, signal?: AbortSignal) => Promise<ArticleLinkOption[]>;
  onPick: (article: ArticleLinkOption) => void;
  /** Where focus goes as the dialog closes (the reply box the link goes into). */
  returnFocus?: RefObject<HTMLElement | null>;
}) {
  const { t } = useTranslation("articleLinks");
  const { t: tc } = useTranslation();
  const [query, setQuery] = useState("");
  const settled = useDebounced(query.trim(), 250);
  // Focused as the dialog opens.
  const searchInput = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const [results, setResults] = useState<{ query: string; options?: ArticleLinkOption[]; failed?: boolean }>({ query: "" });
  const [attempt, setAttempt] = useState(0);
  // One search per settled query; a newer query aborts the older one.
  useEffect(() => {
    if (!open || settled === "") return;
    const controller = new AbortController();
    search(settled, controller.signal).then(
      (options) => setResults({ query: settled, options }),
      () => {
        if (!controller.signal.aborted) setResults({ query: settled, failed: true });
      },
    );
    return () => controller.abort();
  }, [open, settled, search, attempt]);
  const current = results.query === settled ? results : { query: settled };
  const options = current.options ?? [];

  const close = () => {
    onClose();
    setQuery("");
  };
  // Arrow keys move between the search box and the results, as in any combobox-like list.
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const buttons = Array.from(list.current?.querySelectorAll("button") ?? []);
    if (buttons.length === 0) return;
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = event.key === "ArrowDown" ? Math.min(at + 1, buttons.length - 1) : at - 1;
    event.preventDefault();
    if (next < 0) searchInput.current?.focus();
    else buttons[next]?.focus();
  };

  return (
    <Dialog open={open} onClose={close} title={t("title")} description={t("description")} returnFocus={returnFocus} initialFocus={searchInput}>
      <div onKeyDown={onKeyDown}>
        <SearchInput label={t("search")} value={query} onChange={setQuery} placeholder={t("placeholder")} inputRef={searchInput} />
        <div className="mt-3 min-h-24" aria-live="polite">
          {current.failed ? (
            <ErrorBanner onRetry={() => setAttempt((count) => count + 1)}>{t("failed")}</ErrorBanner>
          ) : settled === "" ? (
            <p className="py-6 text-center text-sm text-muted">{t("hint")}</p>
          ) : current.options === undefined ? (
            <div className="flex justify-center py-6">
              <Spinner label={tc("app.loading")} />
            </div>
          ) : options.length === 0 ? (
            <p className="py-6 text-center text-sm text-muted">{t("none")}</p>
          ) : (
            <ul ref={list} aria-label={t("results")} className="-mx-2 flex max-h-80 flex-col overflow-y-auto">
              {options.map((option) => (
                <li key={option.id}>
                  <button
                    type="button"
                    className="w-full rounded-md px-2 py-2 text-left hover:bg-subtle focus-visible:bg-subtle"
                    onClick={() => {
                      onPick(option);
                      close();
                    }}
                  >
                    <span className="block text-sm font-medium text-fg">{option.title}</span>
                    {option.snippet ? (
                      <span className="mt-0.5 line-clamp-2 block text-xs text-muted">
                        <Highlighted snippet={option.snippet} />
                      </span>
                    ) : null}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </Dialog>
  );
}

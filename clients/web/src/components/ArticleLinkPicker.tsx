import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { BookOpen } from "lucide-react";
import { useRef, useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import type { ArticleLinkOption } from "@/lib/article-links";
import { useDebounced } from "@/lib/debounce";
import { Button } from "./Button";
import { Dialog } from "./Dialog";
import { ErrorBanner } from "./ErrorBanner";
import { Highlighted } from "./Highlighted";
import { SearchInput } from "./SearchInput";
import { Spinner } from "./Spinner";

/**
 * "Insert article link": a button opening a dialog that searches published help articles; picking
 * one calls `onPick` and closes. The search is passed in (`searchPublishedArticles` from
 * @/lib/article-links), so this stays free of API calls.
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
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const settled = useDebounced(query.trim(), 250);
  const list = useRef<HTMLUListElement>(null);
  const results = useQuery({
    queryKey: ["article-link-picker", settled],
    enabled: open && settled !== "",
    queryFn: ({ signal }) => search(settled, signal),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
  const options = settled === "" ? [] : (results.data ?? []);

  const close = () => {
    setOpen(false);
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
    if (next < 0) document.getElementById("article-link-search")?.querySelector("input")?.focus();
    else buttons[next]?.focus();
  };

  return (
    <>
      <Button variant="ghost" size={size} icon={<BookOpen aria-hidden="true" className="size-4" />} disabled={disabled} onClick={() => setOpen(true)}>
        {t("articleLinks.open")}
      </Button>
      <Dialog open={open} onClose={close} title={t("articleLinks.title")} description={t("articleLinks.description")}>
        <div onKeyDown={onKeyDown}>
          <div id="article-link-search">
            <SearchInput label={t("articleLinks.search")} value={query} onChange={setQuery} placeholder={t("articleLinks.placeholder")} />
          </div>
          <div className="mt-3 min-h-24" aria-live="polite">
            {results.isError ? (
              <ErrorBanner onRetry={() => void results.refetch()}>{t("articleLinks.failed")}</ErrorBanner>
            ) : settled === "" ? (
              <p className="py-6 text-center text-sm text-muted">{t("articleLinks.hint")}</p>
            ) : results.isPending ? (
              <div className="flex justify-center py-6">
                <Spinner label={t("app.loading")} />
              </div>
            ) : options.length === 0 ? (
              <p className="py-6 text-center text-sm text-muted">{t("articleLinks.none")}</p>
            ) : (
              <ul ref={list} aria-label={t("articleLinks.results")} className="-mx-2 flex max-h-80 flex-col overflow-y-auto">
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
    </>
  );
}

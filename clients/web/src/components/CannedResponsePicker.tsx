import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { MessageSquareText } from "lucide-react";
import { useRef, useState, type KeyboardEvent, type RefObject } from "react";
import { useTranslation } from "react-i18next";
import type { CannedResponseOption } from "@/lib/canned-responses";
import { useDebounced } from "@/lib/debounce";
import { Badge } from "./Badge";
import { Button } from "./Button";
import { Dialog } from "./Dialog";
import { ErrorBanner } from "./ErrorBanner";
import { SearchInput } from "./SearchInput";
import { Spinner } from "./Spinner";

/**
 * "Insert canned response": a button, and a dialog that searches the agent's canned responses
 * (shared and personal) as they type; picking one calls `onPick` and closes. A reply box also
 * opens it when the agent types `/word` (see `slashQuery` in @/lib/slash-query), passing the
 * word as `query`. The search is passed in (`searchCannedResponses`), so this makes no API call.
 */
export function CannedResponsePicker({
  open,
  query: initialQuery,
  onOpen,
  onClose,
  search,
  onPick,
  disabled = false,
}: {
  open: boolean;
  /** What the search box starts with when the dialog opens (the `/word` typed, or ""). */
  query: string;
  onOpen: () => void;
  onClose: () => void;
  search: (query: string, signal?: AbortSignal) => Promise<CannedResponseOption[]>;
  onPick: (response: CannedResponseOption) => void;
  disabled?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <>
      <Button
        variant="ghost"
        size="sm"
        icon={<MessageSquareText aria-hidden="true" className="size-4" />}
        disabled={disabled}
        onClick={onOpen}
      >
        {t("cannedResponses.open")}
      </Button>
      <CannedResponseDialog open={open} query={initialQuery} onClose={onClose} search={search} onPick={onPick} />
    </>
  );
}

/** The picker's dialog alone, opened by its caller (a reply box that loads it on first use). */
export function CannedResponseDialog({
  open,
  query,
  onClose,
  search,
  onPick,
  returnFocus,
}: {
  open: boolean;
  /** What the search box starts with when the dialog opens (the `/word` typed, or ""). */
  query: string;
  onClose: () => void;
  search: (query: string, signal?: AbortSignal) => Promise<CannedResponseOption[]>;
  onPick: (response: CannedResponseOption) => void;
  /** Where focus goes as the dialog closes (the reply box the response goes into). */
  returnFocus?: RefObject<HTMLElement | null>;
}) {
  const { t } = useTranslation();
  // Focused as the dialog opens, the cursor at its end: a `/word` typed in the reply box goes on
  // being typed here.
  const searchInput = useRef<HTMLInputElement>(null);
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={t("cannedResponses.title")}
      description={t("cannedResponses.description")}
      returnFocus={returnFocus}
      initialFocus={searchInput}
    >
      {/* Mounted only while open, so each opening starts from its own query. */}
      {open ? <PickerBody initialQuery={query} search={search} onPick={onPick} onClose={onClose} searchInput={searchInput} /> : null}
    </Dialog>
  );
}

function PickerBody({
  initialQuery,
  search,
  onPick,
  onClose,
  searchInput,
}: {
  initialQuery: string;
  search: (query: string, signal?: AbortSignal) => Promise<CannedResponseOption[]>;
  onPick: (response: CannedResponseOption) => void;
  onClose: () => void;
  searchInput: RefObject<HTMLInputElement | null>;
}) {
  const { t } = useTranslation();
  const [query, setQuery] = useState(initialQuery);
  const settled = useDebounced(query.trim(), 200);
  const list = useRef<HTMLUListElement>(null);
  const results = useQuery({
    queryKey: ["canned-response-picker", settled],
    queryFn: ({ signal }) => search(settled, signal),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
  const options = results.data ?? [];
  // Arrow keys move between the search box and the results; Enter in the box takes the first one.
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const buttons = Array.from(list.current?.querySelectorAll("button") ?? []);
    const inBox = (event.target as HTMLElement).tagName === "INPUT";
    if (event.key === "Enter" && inBox && options[0] !== undefined) {
      event.preventDefault();
      onPick(options[0]);
      onClose();
      return;
    }
    if ((event.key !== "ArrowDown" && event.key !== "ArrowUp") || buttons.length === 0) return;
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = event.key === "ArrowDown" ? Math.min(at + 1, buttons.length - 1) : at - 1;
    event.preventDefault();
    if (next < 0) searchInput.current?.focus();
    else buttons[next]?.focus();
  };

  return (
    <div onKeyDown={onKeyDown}>
      <SearchInput
        label={t("cannedResponses.search")}
        value={query}
        onChange={setQuery}
        placeholder={t("cannedResponses.placeholder")}
        inputRef={searchInput}
      />
      <div className="mt-3 min-h-24" aria-live="polite">
        {results.isError ? (
          <ErrorBanner onRetry={() => void results.refetch()}>{t("cannedResponses.failed")}</ErrorBanner>
        ) : results.isPending ? (
          <div className="flex justify-center py-6">
            <Spinner label={t("app.loading")} />
          </div>
        ) : options.length === 0 ? (
          <p className="py-6 text-center text-sm text-muted">{settled ? t("cannedResponses.none") : t("cannedResponses.empty")}</p>
        ) : (
          <ul ref={list} aria-label={t("cannedResponses.results")} className="-mx-2 flex max-h-80 flex-col overflow-y-auto">
            {options.map((option) => (
              <li key={option.id}>
                <button
                  type="button"
                  className="w-full rounded-md px-2 py-2 text-left hover:bg-subtle focus-visible:bg-subtle"
                  onClick={() => {
                    onPick(option);
                    onClose();
                  }}
                >
                  <span className="flex items-center gap-2 text-sm font-medium text-fg">
                    {option.title}
                    {option.shared ? <Badge>{t("cannedResponses.shared")}</Badge> : null}
                  </span>
                  <span className="mt-0.5 line-clamp-2 block text-xs break-words whitespace-pre-line text-muted">{option.body}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

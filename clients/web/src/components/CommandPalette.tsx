import { Hash, Search } from "lucide-react";
import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useShortcut } from "@/lib/shortcuts";
import { Dialog } from "./Dialog";
import { ErrorBanner } from "./ErrorBanner";

/** What the palette was asked for: a ticket number ("#1042", "1042") or words to search for. */
export type PaletteRequest = { kind: "number"; number: number } | { kind: "search"; text: string };

/** Reads the palette's input. */
export function parsePaletteInput(value: string): PaletteRequest | undefined {
  const text = value.trim();
  if (text === "") return undefined;
  const number = /^#?(\d{1,9})$/.exec(text);
  return number?.[1] ? { kind: "number", number: Number(number[1]) } : { kind: "search", text };
}

/**
 * `Ctrl/Cmd+K`: jump to a ticket by number or search. `onRequest` does it and resolves to an error
 * message to show (a number nobody may see), or undefined once it has navigated.
 */
export function CommandPalette({ onRequest }: { onRequest: (request: PaletteRequest) => Promise<string | undefined> }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const inputId = useId();
  const input = useRef<HTMLInputElement>(null);
  // After the dialog's own effect has opened it (a child's effects run first): typing starts at once.
  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);
  const hintId = useId();
  useShortcut(
    "mod+k",
    () => {
      setValue("");
      setError(undefined);
      setOpen(true);
    },
    { description: t("shortcuts.palette"), group: t("shortcuts.general"), allowInInput: true },
  );
  const request = parsePaletteInput(value);
  const close = (): void => setOpen(false);

  return (
    <Dialog open={open} onClose={close} title={t("palette.title")}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (request === undefined || busy) return;
          setBusy(true);
          void onRequest(request)
            .then((failure) => {
              setError(failure);
              if (failure === undefined) close();
            })
            .finally(() => setBusy(false));
        }}
      >
        <label htmlFor={inputId} className="sr-only">
          {t("palette.label")}
        </label>
        <div className="relative">
          {request?.kind === "number" ? (
            <Hash aria-hidden="true" className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted" />
          ) : (
            <Search aria-hidden="true" className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted" />
          )}
          <input
            id={inputId}
            ref={input}
            autoComplete="off"
            aria-describedby={hintId}
            value={value}
            onChange={(event) => {
              setValue(event.target.value);
              setError(undefined);
            }}
            placeholder={t("palette.placeholder")}
            className="h-11 w-full rounded-lg border border-border-strong bg-surface pr-3 pl-9 text-base text-fg placeholder:text-muted"
          />
        </div>
        <p id={hintId} className="mt-2 min-h-5 text-sm text-muted" aria-live="polite">
          {request === undefined ? t("palette.hint") : request.kind === "number" ? t("palette.goTo", { number: request.number }) : t("palette.searchFor", { text: request.text })}
        </p>
        {error ? <ErrorBanner className="mt-2">{error}</ErrorBanner> : null}
      </form>
    </Dialog>
  );
}

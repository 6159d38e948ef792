import { Hash, Search } from "lucide-react";
import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { registerTranslations } from "@/lib/i18n";
import { Dialog } from "./Dialog";
import { ErrorBanner } from "./ErrorBanner";
import { parsePaletteInput, type PaletteRequest } from "./palette-input";

export type { PaletteRequest } from "./palette-input";

// Its strings load with it (namespace "palette"): the palette is fetched on first Ctrl/Cmd+K.
registerTranslations("palette", {
  en: {
    title: "Go to",
    label: "Ticket number or words to search for",
    placeholder: "#1042 or words to search for…",
    hint: "Type a ticket number, or words to search tickets.",
    goTo: "Enter: open ticket #{{number}}",
    searchFor: "Enter: search tickets for “{{text}}”",
    noTicket: "There is no ticket #{{number}} you can see.",
  },
  "pt-BR": {
    title: "Ir para",
    label: "Número do chamado ou palavras a pesquisar",
    placeholder: "#1042 ou palavras a pesquisar…",
    hint: "Digite o número de um chamado ou palavras para pesquisar chamados.",
    goTo: "Enter: abrir o chamado #{{number}}",
    searchFor: "Enter: pesquisar chamados por “{{text}}”",
    noTicket: "Não há nenhum chamado #{{number}} que você possa ver.",
  },
});

/** What the palette was asked for: a ticket number ("#1042", "1042") or words to search for. */
/**
 * The `Ctrl/Cmd+K` dialog: jump to a ticket by number or search. `onRequest` does it and resolves
 * to an error message to show (a number nobody may see), or undefined once it has navigated.
 * Mounted afresh for each opening (so it starts empty).
 */
export function CommandPalette({ open, onClose, onRequest }: { open: boolean; onClose: () => void; onRequest: (request: PaletteRequest) => Promise<string | undefined> }) {
  const { t } = useTranslation("palette");
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
  const request = parsePaletteInput(value);
  const close = onClose;

  return (
    <Dialog open={open} onClose={close} title={t("title")}>
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
          {t("label")}
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
            placeholder={t("placeholder")}
            className="h-11 w-full rounded-lg border border-border-strong bg-surface pr-3 pl-9 text-base text-fg placeholder:text-muted"
          />
        </div>
        <p id={hintId} className="mt-2 min-h-5 text-sm text-muted" aria-live="polite">
          {request === undefined ? t("hint") : request.kind === "number" ? t("goTo", { number: request.number }) : t("searchFor", { text: request.text })}
        </p>
        {error ? <ErrorBanner className="mt-2">{error}</ErrorBanner> : null}
      </form>
    </Dialog>
  );
}

// The placeholders a text may use (canned responses, macros' replies and notes), each a button that
// inserts it at the cursor, with what it stands for. Imported by path: only lazy staff pages use it.
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { registerTranslations } from "@/lib/i18n";

registerTranslations("placeholders", {
  en: {
    heading: "Placeholders",
    hint: "Filled in for each ticket. Click one to add it at the cursor.",
    customer: { first_name: "The customer’s first name", name: "The customer’s full name", email: "The customer’s email" },
    ticket: { number: "The ticket number", subject: "The ticket subject" },
    agent: { first_name: "Your first name", name: "Your full name" },
  },
  "pt-BR": {
    heading: "Marcadores",
    hint: "Preenchidos para cada ticket. Clique em um para adicioná-lo no cursor.",
    customer: { first_name: "Primeiro nome do cliente", name: "Nome completo do cliente", email: "E-mail do cliente" },
    ticket: { number: "Número do ticket", subject: "Assunto do ticket" },
    agent: { first_name: "Seu primeiro nome", name: "Seu nome completo" },
  },
});

/** The placeholders the server knows (server/responses/placeholders.py), in the order forms offer them. */
const PLACEHOLDERS = ["customer.first_name", "customer.name", "customer.email", "ticket.number", "ticket.subject", "agent.first_name", "agent.name"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** Text with `{{placeholder}}` put where `area`'s selection is (at the end without one), and where the cursor goes after it. */
export function insertPlaceholder(text: string, placeholder: Placeholder, area: HTMLTextAreaElement | null): { text: string; cursor: number } {
  const token = `{{${placeholder}}}`;
  const start = area?.selectionStart ?? text.length;
  const end = area?.selectionEnd ?? text.length;
  return { text: text.slice(0, start) + token + text.slice(end), cursor: start + token.length };
}

/** Puts the cursor back into `area` after an insertion (once React has rendered the new text). */
export function restoreCursor(area: HTMLTextAreaElement | null, cursor: number): void {
  requestAnimationFrame(() => {
    area?.focus();
    area?.setSelectionRange(cursor, cursor);
  });
}

export function PlaceholderList({ insertLabel, onInsert, hint }: { insertLabel: (token: string) => string; onInsert: (placeholder: Placeholder) => void; hint?: string }) {
  const { t } = useTranslation("placeholders");
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="flex flex-col gap-2">
      <h3 id={headingId} className="text-[13px] font-medium text-fg">
        {t("heading")}
      </h3>
      <p className="text-xs text-muted">{hint ?? t("hint")}</p>
      <ul className="flex flex-col gap-1">
        {PLACEHOLDERS.map((placeholder) => (
          <li key={placeholder} className="flex flex-wrap items-center gap-x-2 text-xs">
            <button type="button" aria-label={insertLabel(`{{${placeholder}}}`)} className="inline-flex min-h-6 items-center rounded-md bg-subtle px-1.5 font-mono text-fg hover:bg-accent-soft" onClick={() => onInsert(placeholder)}>
              {`{{${placeholder}}}`}
            </button>
            <span className="text-muted">{t(placeholder)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

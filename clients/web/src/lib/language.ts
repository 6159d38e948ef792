// The languages of the app and how the first one is chosen.

export const LANGUAGES = ["en", "pt-BR"] as const;
export type Language = (typeof LANGUAGES)[number];

/** A language tag from navigator.languages mapped onto ours (any Portuguese → pt-BR). */
export function pickLanguage(saved: string | null, preferred: readonly string[]): Language {
  if (saved === "en" || saved === "pt-BR") {
    return saved;
  }
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower.startsWith("pt")) return "pt-BR";
    if (lower.startsWith("en")) return "en";
  }
  return "en";
}

// The macro list's search as a URL param (?q=refund): bookmarkable, restored by the back button.

export interface MacroListSearch {
  q?: string;
}

const MAX_QUERY = 100;

/** Parses untrusted search params; anything unknown is dropped rather than failing the page. */
export function parseMacroListSearch(raw: Record<string, unknown>): MacroListSearch {
  const q = typeof raw.q === "string" ? raw.q.trim().slice(0, MAX_QUERY) : typeof raw.q === "number" ? String(raw.q) : "";
  return q === "" ? {} : { q };
}

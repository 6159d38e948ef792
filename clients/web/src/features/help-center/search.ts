// The help center's search params: ?q=words&category=Billing.

export interface HelpSearch {
  q?: string;
  category?: string;
}

/** Parses untrusted search params, dropping empty or oversized values. */
export function parseHelpSearch(raw: Record<string, unknown>): HelpSearch {
  const search: HelpSearch = {};
  const q = typeof raw.q === "string" ? raw.q.trim().slice(0, 200) : "";
  if (q !== "") search.q = q;
  const category = typeof raw.category === "string" ? raw.category.trim().slice(0, 100) : "";
  if (category !== "") search.category = category;
  return search;
}

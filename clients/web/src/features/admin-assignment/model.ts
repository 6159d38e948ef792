// What the assignment page's inputs mean: categories typed as a list, limits typed as whole numbers.

/** "billing, Returns ,billing" → ["billing", "Returns"]: trimmed, no empties, no repeats. */
export function parseCategories(text: string): string[] {
  return [...new Set(text.split(",").map((part) => part.trim()).filter((part) => part !== ""))];
}

/** A typed whole number, or NaN for anything else (the field then says so). */
export function parseWhole(text: string): number {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

// The `/word` being typed in a reply box, which opens the canned-response picker, and replacing it
// with the text picked. Pure text functions (no API).

/** A `/word` typed at the cursor: where the `/` is and the text after it. */
export interface SlashQuery {
  start: number;
  query: string;
}

/**
 * The `/word` just before `cursor`, if the `/` starts the text, a line, or follows a space (so a
 * URL or a date like 1/2 never opens the picker); undefined otherwise.
 */
export function slashQuery(text: string, cursor: number): SlashQuery | undefined {
  const before = text.slice(0, cursor);
  const match = /(^|\s)\/([^\s/]{0,40})$/u.exec(before);
  if (match === null) return undefined;
  const query = match[2] ?? "";
  return { start: cursor - query.length - 1, query };
}

/** `text` with the `/word` at `slash` (ending at `cursor`) replaced by `insert`, and the cursor after it. */
export function replaceSlashQuery(text: string, slash: SlashQuery, cursor: number, insert: string): { text: string; cursor: number } {
  return { text: text.slice(0, slash.start) + insert + text.slice(cursor), cursor: slash.start + insert.length };
}

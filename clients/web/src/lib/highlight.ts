// Search snippets come from the server HTML-escaped with hits wrapped in <mark>…</mark>. They are
// never inserted as HTML: split on the two tags, unescape the entities, render the parts as text.

export interface SnippetPart {
  text: string;
  highlighted: boolean;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", "#39": "'", "#x27": "'", "#34": '"' };

/** Undoes the server's HTML escaping (only the entities an escaper produces). */
export function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#39|#x27|#34);/g, (_, name: string) => ENTITIES[name] ?? "");
}

/** Markdown emphasis and code markers, which read as noise in an excerpt of an article's source. */
function stripMarkdown(text: string): string {
  return text.replace(/\*\*|__|`/g, "");
}

/** The snippet as plain-text parts, highlighted where the server put <mark>. */
export function parseSnippet(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let highlighted = false;
  for (const piece of snippet.split(/(<\/?mark>)/)) {
    if (piece === "<mark>") {
      highlighted = true;
    } else if (piece === "</mark>") {
      highlighted = false;
    } else if (piece !== "") {
      const text = stripMarkdown(unescapeHtml(piece));
      if (text !== "") parts.push({ text, highlighted });
    }
  }
  return parts;
}

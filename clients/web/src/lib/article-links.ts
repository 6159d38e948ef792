// Links to published help articles, for anything that lets staff point a customer at one (the
// ticket reply box, the chat composer, the article editor): the link's text forms, and inserting
// that text where the cursor is. The search behind ArticleLinkPicker is in ./article-search.

/** One published article a picker offers. */
export interface ArticleLinkOption {
  id: string;
  title: string;
  slug: string;
  /** The server's snippet with `<mark>` hits (render with <Highlighted>), may be empty. */
  snippet: string;
}

/** The link to insert, in the forms callers need. */
export interface ArticleLink {
  title: string;
  /** `/help/<slug>`: the help center's page of the article, on this site. */
  path: string;
  /** The absolute address (what a customer can open from a plain-text message). */
  url: string;
  /** `[Title](/help/slug)`, for Markdown (article bodies). */
  markdown: string;
  /** `Title: https://…/help/slug`, for plain-text messages (replies, chats). */
  plain: string;
}

/** Markdown link text: brackets in the title are escaped so the link stays one link. */
function markdownLabel(title: string): string {
  return title.replace(/[[\]\\]/g, (character) => `\\${character}`);
}

/** The link to `option` on the site at `origin` (e.g. "https://help.example.com"). */
export function articleLink(option: Pick<ArticleLinkOption, "title" | "slug">, origin: string): ArticleLink {
  const path = `/help/${encodeURIComponent(option.slug)}`;
  const url = `${origin.replace(/\/+$/, "")}${path}`;
  return { title: option.title, path, url, markdown: `[${markdownLabel(option.title)}](${path})`, plain: `${option.title}: ${url}` };
}

/** Text with `snippet` put in place of the selection [start, end), spaced from its neighbours; and where the cursor goes. */
export function insertAtCursor(text: string, start: number, end: number, snippet: string): { text: string; cursor: number } {
  const from = Math.max(0, Math.min(start, text.length));
  const to = Math.max(from, Math.min(end, text.length));
  const before = text.slice(0, from);
  const after = text.slice(to);
  const lead = before === "" || /\s$/.test(before) ? "" : " ";
  const trail = after === "" || /^\s/.test(after) ? "" : " ";
  const inserted = `${lead}${snippet}${trail}`;
  return { text: before + inserted + after, cursor: before.length + lead.length + snippet.length };
}

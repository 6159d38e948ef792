// Links to this site's help-center articles inside message text (a reply or chat message with an
// article link inserted): found so that they render as links. Only `<origin>/help/<slug>` on the
// page's own origin is linked: any other address stays plain text, so a message can never carry
// a link elsewhere (or a `javascript:` one).

/** A run of message text: plain, or a help-center link (`path` is the site-relative address). */
export type TextPart = { text: string; path?: undefined } | { text: string; path: string };

// An address ending in `/help/<slug>` (the slug as articleLink() writes it, encodeURIComponent),
// up to whitespace; a trailing sentence mark is not part of it.
const ADDRESS = /(https?:\/\/[^\s/]+)(\/help\/[A-Za-z0-9\-._~%!*'()]+?)(?=[.,;:!?)]*(?:\s|$))/g;

/** `text` split into plain runs and links to `origin`'s help articles (`/help/<slug>`), in order. */
export function splitHelpLinks(text: string, origin: string): TextPart[] {
  const parts: TextPart[] = [];
  let at = 0;
  for (const match of text.matchAll(ADDRESS)) {
    // Another site's address (or one only starting like this site's) stays text.
    if (match[1] !== origin) continue;
    const start = match.index;
    if (start > at) parts.push({ text: text.slice(at, start) });
    parts.push({ text: match[0], path: match[2] ?? "/help" });
    at = start + match[0].length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}

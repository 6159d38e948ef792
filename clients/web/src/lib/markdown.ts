// A small Markdown reader for article bodies: paragraphs, headings, lists, quotes, code, bold,
// italics and links. It builds a tree that React renders as elements and text, so nothing in a
// body can become markup: raw HTML stays literal text and only http(s), mailto and same-site
// links are kept. (A full Markdown library cost 40 KB gzipped on the article page.)

export type Inline =
  | { kind: "text"; text: string }
  | { kind: "strong"; children: Inline[] }
  | { kind: "em"; children: Inline[] }
  | { kind: "code"; text: string }
  | { kind: "link"; href: string; children: Inline[] };

export type Block =
  | { kind: "heading"; level: 2 | 3 | 4; children: Inline[] }
  | { kind: "paragraph"; children: Inline[] }
  | { kind: "list"; ordered: boolean; items: Inline[][] }
  | { kind: "quote"; children: Inline[] }
  | { kind: "code"; text: string };

/** The URL if it is safe to follow (http, https, mailto, or a path on this site), else undefined. */
export function safeHref(url: string): string | undefined {
  const trimmed = url.trim();
  if (/^(https?:|mailto:)/i.test(trimmed)) return trimmed;
  if (/^\/(?![/\\])/.test(trimmed) || trimmed.startsWith("#")) return trimmed;
  return undefined;
}

// One inline token at a time: `code`, [text](url), **strong**, __strong__, *em*, _em_ (not inside words).
const INLINE =
  /(`[^`]+`)|\[([^\]]+)\]\(([^()\s]+)\)|\*\*(.+?)\*\*|__(.+?)__|\*([^*\s](?:[^*]*[^*\s])?)\*|(?<![\p{L}\p{N}])_([^_\s](?:[^_]*[^_\s])?)_(?![\p{L}\p{N}])/u;

/** Inline Markdown as a list of nodes. */
export function parseInline(text: string): Inline[] {
  const nodes: Inline[] = [];
  let rest = text;
  while (rest !== "") {
    const match = INLINE.exec(rest);
    if (match === null) {
      nodes.push({ kind: "text", text: rest });
      break;
    }
    if (match.index > 0) nodes.push({ kind: "text", text: rest.slice(0, match.index) });
    const [whole, code, label, url, strong, strongAlt, em, emAlt] = match;
    if (code !== undefined) {
      nodes.push({ kind: "code", text: code.slice(1, -1) });
    } else if (label !== undefined && url !== undefined) {
      const href = safeHref(url);
      nodes.push(...(href === undefined ? parseInline(label) : [{ kind: "link" as const, href, children: parseInline(label) }]));
    } else if (strong !== undefined || strongAlt !== undefined) {
      nodes.push({ kind: "strong", children: parseInline(strong ?? strongAlt ?? "") });
    } else {
      nodes.push({ kind: "em", children: parseInline(em ?? emAlt ?? "") });
    }
    rest = rest.slice(match.index + whole.length);
  }
  return nodes;
}

/** A Markdown body as blocks. */
export function parseBlocks(source: string): Block[] {
  const blocks: Block[] = [];
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) blocks.push({ kind: "paragraph", children: parseInline(paragraph.join(" ")) });
    paragraph = [];
  };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    if (/^\s*```/.test(line)) {
      flush();
      const code: string[] = [];
      while (++index < lines.length && !/^\s*```/.test(lines[index] ?? "")) code.push(lines[index] ?? "");
      blocks.push({ kind: "code", text: code.join("\n") });
      continue;
    }
    if (line.trim() === "") {
      flush();
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      flush();
      const level = Math.min((heading[1]?.length ?? 1) + 1, 4) as 2 | 3 | 4; // the article's title is the h1
      blocks.push({ kind: "heading", level, children: parseInline(heading[2] ?? "") });
      continue;
    }
    const item = /^\s*(?:([-*+])|\d+[.)])\s+(.*)$/.exec(line);
    if (item) {
      flush();
      const ordered = item[1] === undefined;
      const last = blocks.at(-1);
      const children = parseInline(item[2] ?? "");
      if (last?.kind === "list" && last.ordered === ordered) last.items.push(children);
      else blocks.push({ kind: "list", ordered, items: [children] });
      continue;
    }
    const quote = /^>\s?(.*)$/.exec(line);
    if (quote) {
      flush();
      const last = blocks.at(-1);
      const children = parseInline(quote[1] ?? "");
      if (last?.kind === "quote") last.children.push({ kind: "text", text: " " }, ...children);
      else blocks.push({ kind: "quote", children });
      continue;
    }
    paragraph.push(line.trim());
  }
  flush();
  return blocks;
}

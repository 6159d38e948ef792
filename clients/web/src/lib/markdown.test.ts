import { describe, expect, it } from "vitest";
import { parseBlocks, parseInline, safeHref } from "./markdown";

describe("parseInline", () => {
  it("reads bold, italics, code and links", () => {
    expect(parseInline("Open **Billing**, then *Payment* `x` [docs](https://example.com/a)")).toEqual([
      { kind: "text", text: "Open " },
      { kind: "strong", children: [{ kind: "text", text: "Billing" }] },
      { kind: "text", text: ", then " },
      { kind: "em", children: [{ kind: "text", text: "Payment" }] },
      { kind: "text", text: " " },
      { kind: "code", text: "x" },
      { kind: "text", text: " " },
      { kind: "link", href: "https://example.com/a", children: [{ kind: "text", text: "docs" }] },
    ]);
  });

  it("keeps raw HTML as literal text", () => {
    expect(parseInline("<img src=x onerror=alert(1)>")).toEqual([{ kind: "text", text: "<img src=x onerror=alert(1)>" }]);
  });

  it("drops unsafe link targets but keeps their text", () => {
    expect(parseInline("[click](javascript:alert(1))")).toEqual([{ kind: "text", text: "[click](javascript:alert(1))" }]);
    expect(parseInline("[click](javascript:alert)")).toEqual([{ kind: "text", text: "click" }]);
    expect(parseInline("[x](//evil.example)")).toEqual([{ kind: "text", text: "x" }]);
  });

  it("leaves underscores inside words alone", () => {
    expect(parseInline("use snake_case_names and _this_")).toEqual([
      { kind: "text", text: "use snake_case_names and " },
      { kind: "em", children: [{ kind: "text", text: "this" }] },
    ]);
  });
});

describe("parseBlocks", () => {
  it("splits paragraphs on blank lines and joins wrapped lines", () => {
    expect(parseBlocks("One\ntwo\n\nThree").map((block) => block.kind)).toEqual(["paragraph", "paragraph"]);
    expect(parseBlocks("One\ntwo")[0]).toEqual({ kind: "paragraph", children: [{ kind: "text", text: "One two" }] });
  });

  it("reads headings below the article title, lists, quotes and code fences", () => {
    const blocks = parseBlocks("# Title\n\n- a\n- b\n\n1. first\n2. second\n\n> note\n\n```\n<b>raw</b>\n```");
    expect(blocks).toEqual([
      { kind: "heading", level: 2, children: [{ kind: "text", text: "Title" }] },
      { kind: "list", ordered: false, items: [[{ kind: "text", text: "a" }], [{ kind: "text", text: "b" }]] },
      { kind: "list", ordered: true, items: [[{ kind: "text", text: "first" }], [{ kind: "text", text: "second" }]] },
      { kind: "quote", children: [{ kind: "text", text: "note" }] },
      { kind: "code", text: "<b>raw</b>" },
    ]);
  });
});

describe("safeHref", () => {
  it("allows web, mail and same-site links only", () => {
    expect(safeHref("https://a.example")).toBe("https://a.example");
    expect(safeHref("mailto:help@example.com")).toBe("mailto:help@example.com");
    expect(safeHref("/help/x")).toBe("/help/x");
    for (const url of ["javascript:alert(1)", "data:text/html,x", "//evil", "vbscript:x"]) expect(safeHref(url)).toBeUndefined();
  });
});

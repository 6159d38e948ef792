import { describe, expect, it } from "vitest";
import { parseSnippet, unescapeHtml } from "./highlight";

describe("parseSnippet", () => {
  it("marks exactly the text between <mark> tags", () => {
    expect(parseSnippet("Reset your <mark>password</mark> from <mark>settings</mark>.")).toEqual([
      { text: "Reset your ", highlighted: false },
      { text: "password", highlighted: true },
      { text: " from ", highlighted: false },
      { text: "settings", highlighted: true },
      { text: ".", highlighted: false },
    ]);
  });

  it("keeps escaped markup as literal text, never as tags", () => {
    const parts = parseSnippet("&lt;img src=x onerror=alert(1)&gt; and <mark>&lt;b&gt;</mark>");
    expect(parts).toEqual([
      { text: "<img src=x onerror=alert(1)> and ", highlighted: false },
      { text: "<b>", highlighted: true },
    ]);
  });

  it("treats any other tag-like text as text", () => {
    expect(parseSnippet("<script>x</script>")).toEqual([{ text: "<script>x</script>", highlighted: false }]);
  });
});

describe("parseSnippet on Markdown sources", () => {
  it("drops emphasis markers around and inside hits", () => {
    expect(parseSnippet("click **Forgot <mark>password</mark>**")).toEqual([
      { text: "click Forgot ", highlighted: false },
      { text: "password", highlighted: true },
    ]);
  });
});

describe("unescapeHtml", () => {
  it("unescapes once (no double decoding)", () => {
    expect(unescapeHtml("&amp;lt; &quot;a&#39;")).toBe("&lt; \"a'");
  });
});

import { describe, expect, it } from "vitest";
import { articleLink, insertAtCursor } from "./article-links";

describe("articleLink", () => {
  it("builds the help-center path, the absolute address and both text forms", () => {
    const link = articleLink({ title: "Reset your password", slug: "reset-your-password" }, "https://help.example.com/");
    expect(link.path).toBe("/help/reset-your-password");
    expect(link.url).toBe("https://help.example.com/help/reset-your-password");
    expect(link.markdown).toBe("[Reset your password](/help/reset-your-password)");
    expect(link.plain).toBe("Reset your password: https://help.example.com/help/reset-your-password");
  });

  it("escapes brackets in the title so the Markdown stays one link, and encodes the slug", () => {
    const link = articleLink({ title: "Plans [2026] \\ prices", slug: "plans 2026" }, "http://x");
    expect(link.markdown).toBe("[Plans \\[2026\\] \\\\ prices](/help/plans%202026)");
  });
});

describe("insertAtCursor", () => {
  it("inserts into empty text with no padding", () => {
    expect(insertAtCursor("", 0, 0, "[A](/help/a)")).toEqual({ text: "[A](/help/a)", cursor: 12 });
  });

  it("spaces the link from the words around it", () => {
    expect(insertAtCursor("See.", 3, 3, "L")).toEqual({ text: "See L .", cursor: 5 });
    expect(insertAtCursor("See ", 4, 4, "L")).toEqual({ text: "See L", cursor: 5 });
  });

  it("replaces the selection and clamps out-of-range positions", () => {
    expect(insertAtCursor("read this now", 5, 9, "L")).toEqual({ text: "read L now", cursor: 6 });
    expect(insertAtCursor("abc", 10, 2, "L")).toEqual({ text: "abc L", cursor: 5 });
  });
});

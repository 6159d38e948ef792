import { describe, expect, it } from "vitest";
import { splitHelpLinks } from "./help-links";

const ORIGIN = "https://help.example.com";

describe("splitHelpLinks", () => {
  it("links an article address inside text, keeping the text around it", () => {
    expect(splitHelpLinks(`See Resetting: ${ORIGIN}/help/reset-password. Thanks`, ORIGIN)).toEqual([
      { text: "See Resetting: " },
      { text: `${ORIGIN}/help/reset-password`, path: "/help/reset-password" },
      { text: ". Thanks" },
    ]);
  });

  it("leaves other sites, other paths and look-alike hosts as text", () => {
    // Only the path is ever linked (on this site), whatever comes before it.
    expect(splitHelpLinks(`javascript:alert(1)//${ORIGIN}/help/x`, ORIGIN)[1]).toEqual({ text: `${ORIGIN}/help/x`, path: "/help/x" });
    expect(splitHelpLinks(`${ORIGIN}/tickets/1`, ORIGIN)).toEqual([{ text: `${ORIGIN}/tickets/1` }]);
    expect(splitHelpLinks("https://help.example.com.evil.example/help/x", ORIGIN)).toEqual([{ text: "https://help.example.com.evil.example/help/x" }]);
    expect(splitHelpLinks("https://evil.example/help/x", ORIGIN)).toEqual([{ text: "https://evil.example/help/x" }]);
  });

  it("finds several links and encoded slugs", () => {
    const parts = splitHelpLinks(`${ORIGIN}/help/a\n${ORIGIN}/help/caf%C3%A9`, ORIGIN);
    expect(parts.filter((part) => part.path).map((part) => part.path)).toEqual(["/help/a", "/help/caf%C3%A9"]);
    expect(parts.map((part) => part.text).join("")).toBe(`${ORIGIN}/help/a\n${ORIGIN}/help/caf%C3%A9`);
  });
});

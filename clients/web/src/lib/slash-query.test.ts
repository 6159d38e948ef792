import { describe, expect, it } from "vitest";
import { replaceSlashQuery, slashQuery } from "./slash-query";

describe("slashQuery", () => {
  it("finds a slash word at the start, after a space or on a new line", () => {
    expect(slashQuery("/ref", 4)).toEqual({ start: 0, query: "ref" });
    expect(slashQuery("Hi /gre", 7)).toEqual({ start: 3, query: "gre" });
    expect(slashQuery("Hi\n/", 4)).toEqual({ start: 3, query: "" });
  });

  it("ignores slashes inside words, URLs and dates, and text after the cursor", () => {
    expect(slashQuery("see https://x.example/help", 26)).toBeUndefined();
    expect(slashQuery("on 1/2", 6)).toBeUndefined();
    expect(slashQuery("/refund please", 14)).toBeUndefined();
    expect(slashQuery("/refund please", 7)).toEqual({ start: 0, query: "refund" });
  });
});

describe("replaceSlashQuery", () => {
  it("swaps the slash word for the text and puts the cursor after it", () => {
    const text = "Hello /gre and more";
    const slash = slashQuery(text, 10);
    expect(slash).toEqual({ start: 6, query: "gre" });
    expect(replaceSlashQuery(text, slash!, 10, "Hi Ana,")).toEqual({ text: "Hello Hi Ana, and more", cursor: 13 });
  });
});

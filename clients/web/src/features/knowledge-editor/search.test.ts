import { ArticleState } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import { parseArticleListSearch, statesFor } from "./search";

describe("parseArticleListSearch", () => {
  it("keeps a query, a known state and a category", () => {
    expect(parseArticleListSearch({ q: " refund ", state: "Draft", category: "billing" })).toEqual({ q: "refund", state: "draft", category: "billing" });
  });

  it("drops unknown states and empty values", () => {
    expect(parseArticleListSearch({ q: "", state: "deleted", category: "  " })).toEqual({});
  });
});

describe("statesFor", () => {
  it("asks for every state unless one is chosen", () => {
    expect(statesFor({})).toEqual([ArticleState.DRAFT, ArticleState.PUBLISHED, ArticleState.ARCHIVED]);
    expect(statesFor({ state: "published" })).toEqual([ArticleState.PUBLISHED]);
  });
});

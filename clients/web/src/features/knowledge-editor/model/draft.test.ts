import { describe, expect, it } from "vitest";
import { changedFields, draftOf, parseTags } from "./draft";

const stored = { title: "Reset your password", body: "Open **Settings**.", category: "account", tags: ["password", "sign-in"], etag: "e1" };

describe("parseTags", () => {
  it("splits on commas and spaces, drops #, lower-cases and keeps each tag once in order", () => {
    expect(parseTags(" Billing, #refunds  billing,,VAT ")).toEqual(["billing", "refunds", "vat"]);
    expect(parseTags("  , ")).toEqual([]);
  });
});

describe("draftOf / changedFields", () => {
  it("an untouched draft changes nothing and remembers the etag it started from", () => {
    const draft = draftOf(stored);
    expect(draft.baseEtag).toBe("e1");
    expect(draft.tags).toBe("password, sign-in");
    expect(changedFields(draft, stored)).toEqual([]);
  });

  it("names each changed field once; whitespace around title and category is not a change", () => {
    const draft = { ...draftOf(stored), title: " Reset your password ", body: "Open **Settings**, then Security.", tags: "password" };
    expect(changedFields(draft, stored)).toEqual(["body", "tags"]);
    expect(changedFields({ ...draftOf(stored), category: "" }, stored)).toEqual(["category"]);
    expect(changedFields({ ...draftOf(stored), tags: "sign-in, password" }, stored)).toEqual(["tags"]);
  });
});

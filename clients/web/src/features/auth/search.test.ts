import { describe, expect, it } from "vitest";
import { parseAuthSearch } from "./search";

describe("parseAuthSearch", () => {
  it("follows paths inside the app", () => {
    expect(parseAuthSearch({ redirect: "/tickets/42?x=1" })).toEqual({ redirect: "/tickets/42?x=1" });
  });

  it("refuses other origins and protocol-relative URLs", () => {
    for (const redirect of ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", 5]) {
      expect(parseAuthSearch({ redirect })).toEqual({});
    }
  });
});

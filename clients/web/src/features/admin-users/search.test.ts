import { describe, expect, it } from "vitest";
import { parseUserListSearch } from "./search";

describe("parseUserListSearch", () => {
  it("keeps a trimmed query, a known role and the deactivated switch", () => {
    expect(parseUserListSearch({ q: "  ana ", role: "Agent", inactive: "1" })).toEqual({ q: "ana", role: "agent", inactive: true });
    expect(parseUserListSearch({ inactive: true })).toEqual({ inactive: true });
  });

  it("drops what it does not know instead of failing the page", () => {
    expect(parseUserListSearch({ q: "   ", role: "superuser", inactive: "no", other: 1 })).toEqual({});
    expect(parseUserListSearch({ q: 42 })).toEqual({ q: "42" });
  });

  it("bounds the query's length", () => {
    expect(parseUserListSearch({ q: "x".repeat(500) }).q).toHaveLength(100);
  });
});

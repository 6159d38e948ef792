import { describe, expect, it } from "vitest";
import { parseCategories, parseWhole } from "./model";

describe("assignment inputs", () => {
  it("reads categories separated by commas, trimmed, without empties or repeats", () => {
    expect(parseCategories("billing, Returns ,billing,, ")).toEqual(["billing", "Returns"]);
    expect(parseCategories("")).toEqual([]);
  });

  it("takes whole numbers only", () => {
    expect(parseWhole(" 12 ")).toBe(12);
    expect(parseWhole("0")).toBe(0);
    expect(parseWhole("1.5")).toBeNaN();
    expect(parseWhole("-1")).toBeNaN();
    expect(parseWhole("")).toBeNaN();
  });
});

import { describe, expect, it } from "vitest";
import { parsePaletteInput } from "./palette-input";

describe("parsePaletteInput", () => {
  it("reads a ticket number with or without #, anything else as a search", () => {
    expect(parsePaletteInput(" #1042 ")).toEqual({ kind: "number", number: 1042 });
    expect(parsePaletteInput("1042")).toEqual({ kind: "number", number: 1042 });
    expect(parsePaletteInput("refund 1042")).toEqual({ kind: "search", text: "refund 1042" });
    expect(parsePaletteInput("   ")).toBeUndefined();
  });
});

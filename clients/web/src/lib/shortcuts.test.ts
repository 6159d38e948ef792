import { describe, expect, it } from "vitest";
import { matchesKeys } from "./shortcuts";

const key = (value: string, modifiers: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {}) => ({
  key: value,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...modifiers,
});

describe("matchesKeys", () => {
  it("matches plain letters only without modifiers", () => {
    expect(matchesKeys(key("j"), "j")).toBe(true);
    expect(matchesKeys(key("J", { shiftKey: true }), "j")).toBe(false);
    expect(matchesKeys(key("j", { ctrlKey: true }), "j")).toBe(false);
    expect(matchesKeys(key("j", { altKey: true }), "j")).toBe(false);
  });

  it("takes Ctrl or Cmd for mod", () => {
    expect(matchesKeys(key("k", { ctrlKey: true }), "mod+k")).toBe(true);
    expect(matchesKeys(key("k", { metaKey: true }), "mod+k")).toBe(true);
    expect(matchesKeys(key("k"), "mod+k")).toBe(false);
    expect(matchesKeys(key("Enter", { metaKey: true }), "mod+Enter")).toBe(true);
    expect(matchesKeys(key("Enter"), "mod+Enter")).toBe(false);
  });

  it("accepts symbols typed with Shift", () => {
    expect(matchesKeys(key("?", { shiftKey: true }), "?")).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { pickLanguage } from "./language";

describe("pickLanguage", () => {
  it("keeps a saved choice over the browser's preferences", () => {
    expect(pickLanguage("en", ["pt-BR"])).toBe("en");
    expect(pickLanguage("pt-BR", ["en-US"])).toBe("pt-BR");
  });

  it("takes the first supported browser language; any Portuguese is pt-BR", () => {
    expect(pickLanguage(null, ["fr-FR", "pt-PT", "en"])).toBe("pt-BR");
    expect(pickLanguage(null, ["de", "en-GB", "pt-BR"])).toBe("en");
  });

  it("falls back on English, ignoring unknown saved values", () => {
    expect(pickLanguage("klingon", ["ja"])).toBe("en");
    expect(pickLanguage(null, [])).toBe("en");
  });
});

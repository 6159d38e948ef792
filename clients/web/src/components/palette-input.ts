// What the Ctrl/Cmd+K palette was asked for, read from its input (pure: unit-tested without a DOM).

export type PaletteRequest = { kind: "number"; number: number } | { kind: "search"; text: string };

/** Reads the palette's input. */
export function parsePaletteInput(value: string): PaletteRequest | undefined {
  const text = value.trim();
  if (text === "") return undefined;
  const number = /^#?(\d{1,9})$/.exec(text);
  return number?.[1] ? { kind: "number", number: Number(number[1]) } : { kind: "search", text };
}

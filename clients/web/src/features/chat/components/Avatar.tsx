// A round badge with a person's initials (names are rendered as text, never as markup).

import { cx } from "@/lib/cx";

function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words.at(-1)] : [words[0]];
  return letters
    .map((word) => (word ? [...word][0] ?? "" : ""))
    .join("")
    .toUpperCase();
}

export function Avatar({ name, className }: { name: string; className?: string }) {
  return (
    <span
      aria-hidden="true"
      className={cx(
        "flex size-9 shrink-0 items-center justify-center rounded-full bg-accent-soft text-[13px] font-semibold text-accent-soft-fg",
        className,
      )}
    >
      {initials(name) || "?"}
    </span>
  );
}

import { cx } from "@/lib/cx";

/** "Casey Customer" → "CC". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return ((words[0]?.[0] ?? "?") + (words.length > 1 ? (words[words.length - 1]?.[0] ?? "") : "")).toUpperCase();
}

/** A person's initials in a circle (decorative: the name is always written beside it). */
export function Avatar({ name, tone = "soft", className }: { name: string; tone?: "soft" | "strong" | "plain"; className?: string }) {
  return (
    <span
      aria-hidden="true"
      className={cx(
        "flex shrink-0 items-center justify-center rounded-full text-xs font-semibold",
        tone === "strong" ? "bg-accent text-accent-fg" : tone === "soft" ? "bg-accent-soft text-accent-soft-fg" : "bg-subtle text-fg ring-1 ring-border",
        className,
      )}
    >
      {initials(name)}
    </span>
  );
}

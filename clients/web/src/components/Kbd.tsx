import { keyLabels } from "@/lib/shortcuts";

/** A key combination as keycaps ("mod+k" → Ctrl K or ⌘ K). */
export function Kbd({ keys }: { keys: string }) {
  return (
    <span className="inline-flex items-center gap-1">
      {keyLabels(keys).map((label) => (
        <kbd key={label} className="inline-flex h-6 min-w-6 items-center justify-center rounded-md border border-border-strong bg-subtle px-1.5 font-sans text-xs font-medium text-fg">
          {label}
        </kbd>
      ))}
    </span>
  );
}

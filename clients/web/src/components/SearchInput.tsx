import { Search } from "lucide-react";
import { useId, type Ref } from "react";
import { cx } from "@/lib/cx";

/** A search box with a magnifier and a visually hidden label. */
export function SearchInput({
  label,
  value,
  onChange,
  placeholder,
  size = "md",
  className,
  inputRef,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  size?: "md" | "lg";
  className?: string;
  inputRef?: Ref<HTMLInputElement>;
}) {
  const id = useId();
  return (
    <div className={cx("relative", className)}>
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <Search aria-hidden="true" className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted" />
      <input
        ref={inputRef}
        id={id}
        type="search"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        placeholder={placeholder}
        className={cx(
          "w-full rounded-lg border border-border-strong bg-surface pr-3 pl-9 text-fg shadow-xs placeholder:text-muted",
          size === "lg" ? "h-12 rounded-xl text-base" : "h-10 text-sm",
        )}
      />
    </div>
  );
}

import type { ReactNode, Ref, SelectHTMLAttributes } from "react";
import { ChevronDown } from "lucide-react";
import { cx } from "@/lib/cx";
import { controlClasses, FieldFrame, useFieldIds } from "./Field";

export interface SelectOption {
  value: string;
  label: string;
}

type SelectControlProps = SelectHTMLAttributes<HTMLSelectElement> & {
  options: readonly SelectOption[];
  invalid?: boolean;
  ref?: Ref<HTMLSelectElement>;
};

/** The native select with the app's look, without a label of its own (give it an aria-label); `className` styles its box (its width, say). */
export function SelectControl({ options, invalid = false, className, ref, ...select }: SelectControlProps) {
  return (
    <div className={cx("relative", className)}>
      <select ref={ref} aria-invalid={invalid || undefined} className={`${controlClasses(invalid)} h-10 appearance-none pr-9`} {...select}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <ChevronDown aria-hidden="true" className="pointer-events-none absolute top-1/2 right-3 size-4 -translate-y-1/2 text-muted" />
    </div>
  );
}

export type SelectProps = Omit<SelectControlProps, "invalid"> & {
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  optional?: boolean;
  labelHidden?: boolean;
};

/** A labelled native select (keyboard and screen-reader friendly by construction). */
export function Select({ label, hint, error, optional, labelHidden, id, ...select }: SelectProps) {
  const ids = useFieldIds(id, hint, error);
  return (
    <FieldFrame ids={ids} label={label} hint={hint} error={error} optional={optional} labelHidden={labelHidden}>
      <SelectControl id={ids.inputId} invalid={Boolean(error)} aria-describedby={ids.describedBy} {...select} />
    </FieldFrame>
  );
}

import { useId, type ReactNode } from "react";
import { CircleAlert } from "lucide-react";
import { useTranslation } from "react-i18next";

export interface FieldIds {
  inputId: string;
  errorId: string;
  hintId: string;
  describedBy: string | undefined;
}

/** Ids tying a control to its label, hint and error. */
export function useFieldIds(id: string | undefined, hint: ReactNode, error: string | undefined): FieldIds {
  const generated = useId();
  const inputId = id ?? generated;
  const errorId = `${inputId}-error`;
  const hintId = `${inputId}-hint`;
  const describedBy = [hint ? hintId : undefined, error ? errorId : undefined].filter(Boolean).join(" ") || undefined;
  return { inputId, errorId, hintId, describedBy };
}

/** Label above, hint and error below: the frame of every form control. */
export function FieldFrame({
  ids,
  label,
  hint,
  error,
  optional,
  labelHidden = false,
  children,
}: {
  ids: FieldIds;
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  optional?: boolean;
  /** For screen readers only (the control's place says what it is): the label takes no room. */
  labelHidden?: boolean;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={ids.inputId} className={labelHidden ? "sr-only" : LABEL}>
        {label}
        {optional ? <span className="ml-1 font-normal text-muted">({t("common.optional")})</span> : null}
      </label>
      {children}
      {hint && !error ? (
        <p id={ids.hintId} className="text-xs text-muted">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={ids.errorId} className="flex items-start gap-1.5 text-[13px] text-danger">
          <CircleAlert aria-hidden="true" className="mt-0.5 size-3.5 shrink-0" />
          <span>{error}</span>
        </p>
      ) : null}
    </div>
  );
}

/** The classes of a field's label. */
export const LABEL = "text-[13px] font-medium text-fg";

/** Classes of text-like controls, with the error state. */
export function controlClasses(invalid: boolean): string {
  return [
    "w-full rounded-lg border bg-surface px-3 text-sm text-fg shadow-xs placeholder:text-muted",
    "focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-focus",
    invalid ? "border-danger" : "border-border-strong",
  ].join(" ");
}

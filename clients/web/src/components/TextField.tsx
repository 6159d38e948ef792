import type { InputHTMLAttributes, ReactNode, Ref, TextareaHTMLAttributes } from "react";
import { cx } from "@/lib/cx";
import { controlClasses, FieldFrame, useFieldIds } from "./Field";

interface Common {
  label: ReactNode;
  hint?: ReactNode;
  /** The message shown under the control (client validation or the server's field violation). */
  error?: string;
  optional?: boolean;
}

export type TextFieldProps = Common & InputHTMLAttributes<HTMLInputElement> & { ref?: Ref<HTMLInputElement> };

/** A labelled text input with a hint and an error slot. */
export function TextField({ label, hint, error, optional, id, className, ref, ...input }: TextFieldProps) {
  const ids = useFieldIds(id, hint, error);
  return (
    <FieldFrame ids={ids} label={label} hint={hint} error={error} optional={optional}>
      <input
        ref={ref}
        id={ids.inputId}
        aria-invalid={error ? true : undefined}
        aria-describedby={ids.describedBy}
        className={cx(controlClasses(Boolean(error)), "h-10", className)}
        {...input}
      />
    </FieldFrame>
  );
}

export type TextAreaProps = Common & TextareaHTMLAttributes<HTMLTextAreaElement> & { ref?: Ref<HTMLTextAreaElement> };

/** A labelled multi-line text input with a hint and an error slot. */
export function TextArea({ label, hint, error, optional, id, className, ref, rows = 5, ...textarea }: TextAreaProps) {
  const ids = useFieldIds(id, hint, error);
  return (
    <FieldFrame ids={ids} label={label} hint={hint} error={error} optional={optional}>
      <textarea
        ref={ref}
        id={ids.inputId}
        rows={rows}
        aria-invalid={error ? true : undefined}
        aria-describedby={ids.describedBy}
        className={cx(controlClasses(Boolean(error)), "resize-y py-2 leading-6", className)}
        {...textarea}
      />
    </FieldFrame>
  );
}

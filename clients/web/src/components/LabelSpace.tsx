// Imported by path (not from the barrel): only the lazily loaded SLA editor uses it.
import { cx } from "@/lib/cx";
import { LABEL } from "./Field";

/** Room the height of a field's label, so that a control without one (a row's remove button) sits level with its neighbours' controls. */
export function LabelSpace({ className }: { className?: string }) {
  return (
    <span aria-hidden="true" className={cx(LABEL, "invisible", className)}>
      {"\u00a0"}
    </span>
  );
}

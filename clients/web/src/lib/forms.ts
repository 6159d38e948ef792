// Server errors onto React Hook Form: field violations at their fields, the rest in a banner.

import { Code } from "@connectrpc/connect";
import { HelpdeskError } from "@helpdesk/client";
import type { FieldValues, Path, UseFormSetError } from "react-hook-form";
import { describeError, mapViolations, type Translate } from "./errors";

/** What a form shows above its fields after a failed submit; undefined when the fields say it all. */
export interface FormBanner {
  message: string;
  details: string[];
}

/**
 * Shows a failed submit: each BadRequest violation on its field (paths mapped by `paths`, else by
 * name), and a banner for everything else. Focuses the first field in error.
 */
export function showServerError<F extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<F>,
  fields: readonly Path<F>[],
  t: Translate,
  paths: Partial<Record<string, Path<F>>> = {},
): FormBanner | undefined {
  const failure = HelpdeskError.from(error);
  const violations = failure.fieldViolations;
  if (failure.code === Code.InvalidArgument && Object.keys(violations).length > 0) {
    const placed = mapViolations(violations, fields, t, paths);
    let first = true;
    for (const field of fields) {
      const message = placed.fields[field];
      if (message !== undefined) {
        setError(field, { type: "server", message }, { shouldFocus: first });
        first = false;
      }
    }
    if (placed.unplaced.length === 0) {
      return undefined;
    }
    return { message: t("errors.invalid"), details: placed.unplaced };
  }
  return { message: describeError(failure, t), details: [] };
}

// Turning API errors into words: one human message per failure, and BadRequest field violations
// mapped onto form fields and translated (the server describes them in English).

import { Code } from "@connectrpc/connect";
import { HelpdeskError } from "@helpdesk/client";

/** i18next's t, narrowed to what these helpers use. */
export type Translate = (key: string, options?: Record<string, unknown>) => string;

/** Server descriptions we know, as (pattern, i18n key, what the number in the text means). */
const VIOLATIONS: [RegExp, string][] = [
  [/^is required\b/, "errors.field.required"],
  [/^must not be empty/, "errors.field.required"],
  [/^must be at most (\d+) characters/, "errors.field.maxChars"],
  [/^must be at least (\d+) bytes/, "errors.field.minPassword"],
  [/^must be at most (\d+) bytes/, "errors.field.maxBytes"],
  [/^is not a valid email address/, "errors.field.email"],
  [/^the part before @ must be at most (\d+)/, "errors.field.emailLocal"],
  [/^must not contain (control|NUL) characters/, "errors.field.controlChars"],
  [/^must be a single line/, "errors.field.singleLine"],
  [/^must differ from the current password/, "errors.field.passwordSame"],
  [/^does not match your current password/, "errors.field.wrongPassword"],
  [/^each tag must be/, "errors.field.tags"],
];

/** One field violation's description in the user's language. */
export function translateViolation(description: string, t: Translate): string {
  for (const [pattern, key] of VIOLATIONS) {
    const match = pattern.exec(description);
    if (match) {
      const count = match[1] !== undefined && /^\d+$/.test(match[1]) ? Number(match[1]) : undefined;
      return t(key, count === undefined ? undefined : { count });
    }
  }
  return t("errors.field.invalid", { detail: description });
}

/** Field errors for a form: those we could place, and the rest for a form-level banner. */
export interface FormErrors<F extends string> {
  fields: Partial<Record<F, string>>;
  /** Violations of fields the form does not show, already translated ("path: message"). */
  unplaced: string[];
}

/** snake_case → camelCase ("display_name" → "displayName"). */
function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * Places each violation on a form field: by the explicit `paths` table ("ticket.subject" →
 * "subject"), else by the path's last segment in camelCase when the form has such a field.
 */
export function mapViolations<F extends string>(
  violations: Record<string, string>,
  formFields: readonly F[],
  t: Translate,
  paths: Partial<Record<string, F>> = {},
): FormErrors<F> {
  const fields: Partial<Record<F, string>> = {};
  const unplaced: string[] = [];
  for (const [path, description] of Object.entries(violations)) {
    const message = translateViolation(description, t);
    const last = camel(path.split(".").pop() ?? path);
    const field = paths[path] ?? formFields.find((name) => name === last);
    if (field !== undefined && fields[field] === undefined) {
      fields[field] = message;
    } else {
      unplaced.push(`${path}: ${message}`);
    }
  }
  return { fields, unplaced };
}

function offline(): boolean {
  return typeof navigator !== "undefined" && !navigator.onLine;
}

/** Whether the failure is the network's (the request may not have reached the server). */
export function isNetworkError(error: unknown): boolean {
  const failure = HelpdeskError.from(error);
  return failure.code === Code.Unavailable || (failure.code === Code.Unknown && /fetch|network|load failed/i.test(failure.rawMessage));
}

/** ErrorInfo reasons with a sentence of their own (errors.reason.* in the locales). */
const WORDED_REASONS = new Set([
  "INVALID_CREDENTIALS",
  "EMAIL_TAKEN",
  "LOGIN_RATE_LIMITED",
  "WRONG_PASSWORD",
  "WEAK_PASSWORD",
  "PASSWORD_TOO_LONG",
  "TICKET_CLOSED",
  "ETAG_MISMATCH",
  "INVALID_REFRESH_TOKEN",
  "REFRESH_TOKEN_REUSED",
  "ARTICLE_NOT_PUBLISHED",
  "INVALID_TRANSITION",
  "TRANSITION_NOT_ALLOWED",
  "EXPORT_TOO_LARGE",
]);

/** A sentence for any failed call, in the user's language. */
export function describeError(error: unknown, t: Translate): string {
  const failure = HelpdeskError.from(error);
  const seconds = failure.retryDelayMs === undefined ? undefined : Math.max(1, Math.ceil(failure.retryDelayMs / 1000));
  const reason = failure.reason;
  if (reason !== undefined && WORDED_REASONS.has(reason)) {
    return t(`errors.reason.${reason}`, { seconds: seconds ?? 30 });
  }
  switch (failure.code) {
    case Code.InvalidArgument:
      return t("errors.invalid");
    case Code.Unauthenticated:
      return t("errors.unauthenticated");
    case Code.PermissionDenied:
      return t("errors.permission");
    case Code.NotFound:
      return t("errors.notFound");
    case Code.AlreadyExists:
      return t("errors.alreadyExists");
    case Code.ResourceExhausted:
      return seconds === undefined ? t("errors.rateLimitedShort") : t("errors.rateLimited", { seconds });
    case Code.Aborted:
      return t("errors.conflict");
    case Code.FailedPrecondition:
      return t("errors.precondition");
    case Code.DeadlineExceeded:
      return t("errors.timeout");
    case Code.Unavailable:
      return offline() ? t("errors.network") : t("errors.unavailable");
    case Code.Unknown:
      return isNetworkError(failure) ? t("errors.network") : t("errors.unknown");
    default:
      return t("errors.unknown");
  }
}

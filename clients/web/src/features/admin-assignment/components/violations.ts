// The server's assignment field messages (in English) in the user's language.
import type { TFunction } from "i18next";
import { translateViolation, type Translate } from "@/lib/errors";

export function limitViolation(description: string, t: TFunction<"adminAssignment">, tc: Translate): string {
  const between = /^must be between (\d+) and (\d+)/.exec(description);
  if (between) return t("field.between", { low: Number(between[1]), high: Number(between[2]) });
  if (/^must not contain an empty category/.test(description)) return t("field.emptyCategory");
  const many = /^at most (\d+) categories/.exec(description);
  if (many) return t("field.tooManyCategories", { count: Number(many[1]) });
  return translateViolation(description, tc);
}

// Client-side checks mirroring the server's rules, so most mistakes are caught before a round trip.
// zod/mini (the tree-shakable build) keeps these pages' code small.
import * as z from "zod/mini";
import type { Translate } from "@/lib/errors";

const encoder = new TextEncoder();

function required(t: Translate) {
  return z.string().check(z.trim(), z.minLength(1, { error: t("errors.field.required") }));
}

function password(t: Translate) {
  return z
    .string()
    .check(
      z.minLength(1, { error: t("errors.field.required") }),
      z.refine((value) => encoder.encode(value).length >= 8, { error: t("errors.field.minPassword", { count: 8 }) }),
      z.refine((value) => encoder.encode(value).length <= 72, { error: t("errors.field.maxBytes", { count: 72 }) }),
    );
}

export function signInSchema(t: Translate) {
  return z.object({
    email: required(t),
    password: z.string().check(z.minLength(1, { error: t("errors.field.required") })),
  });
}

export function registerSchema(t: Translate) {
  return z.object({
    displayName: required(t).check(z.maxLength(100, { error: t("errors.field.maxChars", { count: 100 }) })),
    // The address format is the server's to judge (its violation is shown at the field).
    email: required(t),
    password: password(t),
  });
}

export function changePasswordSchema(t: Translate) {
  return z
    .object({
      currentPassword: z.string().check(z.minLength(1, { error: t("errors.field.required") })),
      newPassword: password(t),
      confirmPassword: z.string().check(z.minLength(1, { error: t("errors.field.required") })),
    })
    .check(
      z.refine((values) => values.newPassword === values.confirmPassword, {
        path: ["confirmPassword"],
        error: t("errors.field.mismatch"),
      }),
    );
}

export type SignInValues = z.infer<ReturnType<typeof signInSchema>>;
export type RegisterValues = z.infer<ReturnType<typeof registerSchema>>;
export type ChangePasswordValues = z.infer<ReturnType<typeof changePasswordSchema>>;

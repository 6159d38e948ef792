// Client-side checks mirroring the server's rules, so most mistakes are caught before a round trip.
import { z } from "zod";
import type { Translate } from "@/lib/errors";

const encoder = new TextEncoder();

function password(t: Translate) {
  return z
    .string()
    .min(1, t("errors.field.required"))
    .refine((value) => encoder.encode(value).length >= 8, t("errors.field.minPassword", { count: 8 }))
    .refine((value) => encoder.encode(value).length <= 72, t("errors.field.maxBytes", { count: 72 }));
}

export function signInSchema(t: Translate) {
  return z.object({
    email: z.string().trim().min(1, t("errors.field.required")),
    password: z.string().min(1, t("errors.field.required")),
  });
}

export function registerSchema(t: Translate) {
  return z.object({
    displayName: z.string().trim().min(1, t("errors.field.required")).max(100, t("errors.field.maxChars", { count: 100 })),
    // The address format is the server's to judge (its violation is shown at the field).
    email: z.string().trim().min(1, t("errors.field.required")),
    password: password(t),
  });
}

export function changePasswordSchema(t: Translate) {
  return z
    .object({
      currentPassword: z.string().min(1, t("errors.field.required")),
      newPassword: password(t),
      confirmPassword: z.string().min(1, t("errors.field.required")),
    })
    .refine((values) => values.newPassword === values.confirmPassword, {
      path: ["confirmPassword"],
      message: t("errors.field.mismatch"),
    });
}

export type SignInValues = z.infer<ReturnType<typeof signInSchema>>;
export type RegisterValues = z.infer<ReturnType<typeof registerSchema>>;
export type ChangePasswordValues = z.infer<ReturnType<typeof changePasswordSchema>>;

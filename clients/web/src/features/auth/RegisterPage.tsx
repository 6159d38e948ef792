import { zodResolver } from "@hookform/resolvers/zod";
import { HelpdeskError } from "@helpdesk/client";
import { getRouteApi, Link, Navigate, useNavigate } from "@tanstack/react-router";
import { useMemo, useState } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { Button, ErrorBanner, TextField } from "@/components";
import { describeError } from "@/lib/errors";
import { register, useSession } from "@/lib/client";
import { useDocumentTitle } from "@/lib/title";
import { showServerError, type FormBanner } from "@/lib/forms";
import { AuthCard } from "./AuthCard";
import "./i18n";
import { registerSchema, type RegisterValues } from "./schemas";

const route = getRouteApi("/register");

export function RegisterPage() {
  const { t } = useTranslation("auth");
  const { t: tc } = useTranslation();
  useDocumentTitle(t("register.submit"));
  const { redirect } = route.useSearch();
  const navigate = useNavigate();
  const { state } = useSession();
  const [banner, setBanner] = useState<FormBanner>();
  const schema = useMemo(() => registerSchema(tc), [tc]);
  const form = useForm<RegisterValues>({
    resolver: zodResolver(schema),
    defaultValues: { displayName: "", email: "", password: "" },
  });
  const { errors, isSubmitting } = form.formState;

  if (state.status === "signedIn" && !isSubmitting) {
    return <Navigate to={redirect ?? "/"} replace />;
  }

  const onSubmit = form.handleSubmit(async (values) => {
    setBanner(undefined);
    try {
      await register(values.email.trim(), values.password, values.displayName.trim());
      await navigate({ to: redirect ?? "/", replace: true });
    } catch (error) {
      if (HelpdeskError.from(error).reason === "EMAIL_TAKEN") {
        form.setError("email", { type: "server", message: describeError(error, tc) }, { shouldFocus: true });
        return;
      }
      setBanner(showServerError(error, form.setError, ["displayName", "email", "password"], tc));
    }
  });

  return (
    <AuthCard
      title={t("register.title")}
      subtitle={t("register.subtitle")}
      footer={
        <>
          {t("register.haveAccount")}{" "}
          <Link to="/sign-in" search={redirect ? { redirect } : {}} className="font-medium text-accent hover:underline">
            {t("register.signIn")}
          </Link>
        </>
      }
    >
      <form noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
        {banner ? <ErrorBanner details={banner.details}>{banner.message}</ErrorBanner> : null}
        <TextField label={t("fields.displayName")} autoComplete="name" error={errors.displayName?.message} {...form.register("displayName")} />
        <TextField label={t("fields.email")} type="email" autoComplete="email" error={errors.email?.message} {...form.register("email")} />
        <TextField
          label={t("fields.password")}
          type="password"
          autoComplete="new-password"
          hint={t("fields.passwordHint")}
          error={errors.password?.message}
          {...form.register("password")}
        />
        <Button type="submit" loading={isSubmitting} className="mt-2 w-full">
          {t("register.submit")}
        </Button>
      </form>
    </AuthCard>
  );
}

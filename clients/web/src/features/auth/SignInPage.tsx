import { zodResolver } from "@hookform/resolvers/zod";
import { getRouteApi, Link, Navigate, useNavigate } from "@tanstack/react-router";
import { useMemo, useState } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { Button, ErrorBanner, TextField } from "@/components";
import { signIn, useSession } from "@/lib/client";
import { useDocumentTitle } from "@/lib/title";
import { showServerError, type FormBanner } from "@/lib/forms";
import { AuthCard } from "./AuthCard";
import "./i18n";
import { signInSchema, type SignInValues } from "./schemas";

const route = getRouteApi("/sign-in");

export function SignInPage() {
  const { t } = useTranslation("auth");
  const { t: tc } = useTranslation();
  useDocumentTitle(t("signIn.submit"));
  const { redirect } = route.useSearch();
  const navigate = useNavigate();
  const { state } = useSession();
  const [banner, setBanner] = useState<FormBanner>();
  const schema = useMemo(() => signInSchema(tc), [tc]);
  const form = useForm<SignInValues>({ resolver: zodResolver(schema), defaultValues: { email: "", password: "" } });
  const { errors, isSubmitting } = form.formState;

  if (state.status === "signedIn" && !isSubmitting) {
    return <Navigate to={redirect ?? "/"} replace />;
  }

  const onSubmit = form.handleSubmit(async (values) => {
    setBanner(undefined);
    try {
      await signIn(values.email.trim(), values.password);
      await navigate({ to: redirect ?? "/", replace: true });
    } catch (error) {
      setBanner(showServerError(error, form.setError, ["email", "password"], tc));
    }
  });

  return (
    <AuthCard
      title={t("signIn.title")}
      subtitle={t("signIn.subtitle")}
      footer={
        <>
          {t("signIn.noAccount")}{" "}
          <Link to="/register" search={redirect ? { redirect } : {}} className="font-medium text-accent hover:underline">
            {t("signIn.createAccount")}
          </Link>
        </>
      }
    >
      <form noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
        {banner ? <ErrorBanner details={banner.details}>{banner.message}</ErrorBanner> : null}
        <TextField label={t("fields.email")} type="email" autoComplete="email" error={errors.email?.message} {...form.register("email")} />
        <TextField
          label={t("fields.password")}
          type="password"
          autoComplete="current-password"
          error={errors.password?.message}
          {...form.register("password")}
        />
        <Button type="submit" loading={isSubmitting} className="mt-2 w-full">
          {t("signIn.submit")}
        </Button>
      </form>
    </AuthCard>
  );
}

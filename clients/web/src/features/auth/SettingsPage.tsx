import { zodResolver } from "@hookform/resolvers/zod";
import { CircleCheck } from "lucide-react";
import { useMemo, useState, type ReactNode } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { Button, Card, ErrorBanner, LanguageSwitcher, Page, PageHeader, TextField, ThemeSwitcher } from "@/components";
import { changePassword, useSession } from "@/lib/client";
import { useDocumentTitle } from "@/lib/title";
import { showServerError, type FormBanner } from "@/lib/forms";
import { roleKey } from "@/lib/roles";
import { DataExportSection } from "./DataExportSection";
import "./i18n";
import { changePasswordSchema, type ChangePasswordValues } from "./schemas";

function Section({ title, description, children }: { title: string; description?: string; children: ReactNode }) {
  return (
    <Card className="p-5 sm:p-6">
      <h2 className="text-base font-semibold text-fg">{title}</h2>
      {description ? <p className="mt-0.5 text-sm text-muted">{description}</p> : null}
      <div className="mt-5">{children}</div>
    </Card>
  );
}

/** `/settings`: the account, language and theme, and the password change. */
export function SettingsPage() {
  const { t } = useTranslation("auth");
  const { t: tc } = useTranslation();
  useDocumentTitle(t("settings.title"));
  const { user } = useSession();
  const [banner, setBanner] = useState<FormBanner>();
  const [changed, setChanged] = useState(false);
  const schema = useMemo(() => changePasswordSchema(tc), [tc]);
  const form = useForm<ChangePasswordValues>({
    resolver: zodResolver(schema),
    defaultValues: { currentPassword: "", newPassword: "", confirmPassword: "" },
  });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (values) => {
    setBanner(undefined);
    setChanged(false);
    try {
      await changePassword(values.currentPassword, values.newPassword);
      form.reset();
      setChanged(true);
    } catch (error) {
      setBanner(showServerError(error, form.setError, ["currentPassword", "newPassword"], tc));
    }
  });

  return (
    <Page width="narrow">
      <PageHeader title={t("settings.title")} description={t("settings.subtitle")} />
      <div className="flex flex-col gap-6">
        <Section title={t("settings.account")}>
          <dl className="grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-[8rem_1fr]">
            <dt className="text-muted">{t("settings.name")}</dt>
            <dd className="min-w-0 break-words text-fg">{user?.displayName}</dd>
            <dt className="text-muted">{t("settings.email")}</dt>
            <dd className="min-w-0 break-words text-fg">{user?.email}</dd>
            <dt className="text-muted">{t("settings.role")}</dt>
            <dd className="text-fg">{user ? tc(roleKey(user.role)) : null}</dd>
          </dl>
        </Section>
        <Section title={t("settings.preferences")} description={t("settings.preferencesHint")}>
          <div className="flex flex-wrap items-center gap-3">
            <LanguageSwitcher />
            <ThemeSwitcher />
          </div>
        </Section>
        <Section title={t("settings.password")} description={t("settings.passwordHint")}>
          <form noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
            {banner ? <ErrorBanner details={banner.details}>{banner.message}</ErrorBanner> : null}
            {changed ? (
              <p role="status" className="flex items-center gap-2 rounded-lg bg-success-soft px-3 py-2 text-sm text-success">
                <CircleCheck aria-hidden="true" className="size-4" />
                {t("settings.changed")}
              </p>
            ) : null}
            <TextField
              label={t("fields.currentPassword")}
              type="password"
              autoComplete="current-password"
              error={errors.currentPassword?.message}
              {...form.register("currentPassword")}
            />
            <TextField
              label={t("fields.newPassword")}
              type="password"
              autoComplete="new-password"
              hint={t("fields.passwordHint")}
              error={errors.newPassword?.message}
              {...form.register("newPassword")}
            />
            <TextField
              label={t("fields.confirmPassword")}
              type="password"
              autoComplete="new-password"
              error={errors.confirmPassword?.message}
              {...form.register("confirmPassword")}
            />
            <div>
              <Button type="submit" loading={isSubmitting}>
                {t("settings.submit")}
              </Button>
            </div>
          </form>
        </Section>
        <Section title={t("settings.data")} description={t("settings.dataHint")}>
          <DataExportSection />
        </Section>
      </div>
    </Page>
  );
}

import { Page, PageHeader } from "@/components";

export function SettingsPage() {
  return (
    <Page>
      <PageHeader title="SettingsPage" />
    </Page>
  );
}

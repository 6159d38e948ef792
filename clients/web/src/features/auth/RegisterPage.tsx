import { Page, PageHeader } from "@/components";

export function RegisterPage() {
  return (
    <Page>
      <PageHeader title="RegisterPage" />
    </Page>
  );
}

import { Page, PageHeader } from "@/components";

export function SignInPage() {
  return (
    <Page>
      <PageHeader title="SignInPage" />
    </Page>
  );
}

import { Page, PageHeader } from "@/components";

export function HelpCenterPage() {
  return (
    <Page>
      <PageHeader title="HelpCenterPage" />
    </Page>
  );
}

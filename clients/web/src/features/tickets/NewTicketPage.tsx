import { Page, PageHeader } from "@/components";

export function NewTicketPage() {
  return (
    <Page>
      <PageHeader title="NewTicketPage" />
    </Page>
  );
}

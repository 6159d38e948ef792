import { Page, PageHeader } from "@/components";

export function TicketPage() {
  return (
    <Page>
      <PageHeader title="TicketPage" />
    </Page>
  );
}

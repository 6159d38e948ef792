import { Page, PageHeader } from "@/components";

export function TicketListPage() {
  return (
    <Page>
      <PageHeader title="TicketListPage" />
    </Page>
  );
}

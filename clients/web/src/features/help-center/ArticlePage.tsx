import { Page, PageHeader } from "@/components";

export function ArticlePage() {
  return (
    <Page>
      <PageHeader title="ArticlePage" />
    </Page>
  );
}

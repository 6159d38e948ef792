import { useEffect } from "react";

/** Sets the tab's title to "<page> · Helpdesk" while the page is shown. */
export function useDocumentTitle(page: string | undefined): void {
  useEffect(() => {
    document.title = page ? `${page} · Helpdesk` : "Helpdesk";
  }, [page]);
}

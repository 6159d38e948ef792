import { Link } from "@tanstack/react-router";
import { Compass } from "lucide-react";
import { useTranslation } from "react-i18next";
import { buttonClasses, EmptyState, Page } from "@/components";
import { useDocumentTitle } from "@/lib/title";

export function NotFoundPage() {
  const { t } = useTranslation();
  useDocumentTitle(t("nav.notFoundTitle"));
  return (
    <Page width="narrow">
      <EmptyState
        icon={Compass}
        title={t("nav.notFoundTitle")}
        body={t("nav.notFoundBody")}
        action={
          <Link to="/" className={buttonClasses("secondary")}>
            {t("nav.backHome")}
          </Link>
        }
      />
    </Page>
  );
}

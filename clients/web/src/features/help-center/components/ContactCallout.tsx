import { Link } from "@tanstack/react-router";
import { LifeBuoy } from "lucide-react";
import { useTranslation } from "react-i18next";
import { buttonClasses, Callout } from "@/components";
import { useSession } from "@/lib/client";

/** "Still need help?": a new ticket for signed-in readers, an account for visitors. */
export function ContactCallout() {
  const { t } = useTranslation("help");
  const { state } = useSession();
  return (
    <Callout
      icon={LifeBuoy}
      title={t("stillNeedHelp")}
      body={t("contactBody")}
      action={
        <Link to={state.status === "signedIn" ? "/tickets/new" : "/register"} className={buttonClasses("secondary", "sm")}>
          {t("contact")}
        </Link>
      }
    />
  );
}

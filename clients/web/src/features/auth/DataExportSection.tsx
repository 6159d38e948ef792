import { Download } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button, ErrorBanner } from "@/components";
import { describeError } from "@/lib/errors";
import { downloadMyData } from "./data-export";
import "./i18n";

/** The settings section where people download everything Helpdesk holds about them. */
export function DataExportSection() {
  const { t } = useTranslation("auth");
  const { t: tc } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const onDownload = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await downloadMyData();
    } catch (cause) {
      setError(describeError(cause, tc));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="flex flex-col items-start gap-3">
      {error ? <ErrorBanner>{error}</ErrorBanner> : null}
      <Button variant="secondary" icon={<Download aria-hidden="true" className="size-4" />} loading={busy} onClick={onDownload}>
        {t("settings.download")}
      </Button>
    </div>
  );
}

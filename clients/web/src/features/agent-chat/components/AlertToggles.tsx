// The new-chat alert settings: a chime and/or the waiting count in the tab's title.

import { useTranslation } from "react-i18next";
import type { AlertSettings } from "../model/alerts";
import { AGENT_CHAT_NAMESPACE } from "../i18n";

export function AlertToggles({ settings, onChange }: { settings: AlertSettings; onChange: (next: AlertSettings) => void }) {
  const { t } = useTranslation(AGENT_CHAT_NAMESPACE);
  const toggle = (key: keyof AlertSettings, label: string) => (
    <label className="flex items-center gap-2 text-sm text-fg">
      <input
        type="checkbox"
        checked={settings[key]}
        onChange={(event) => onChange({ ...settings, [key]: event.target.checked })}
        className="size-4 rounded border-border-strong accent-accent"
      />
      {label}
    </label>
  );
  return (
    <fieldset className="flex flex-col gap-1.5">
      <legend className="mb-2 text-xs font-semibold tracking-wide text-muted uppercase">{t("alerts.legend")}</legend>
      {toggle("sound", t("alerts.sound"))}
      {toggle("titleBadge", t("alerts.titleBadge"))}
    </fieldset>
  );
}

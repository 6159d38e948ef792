// Online / Away / Offline as a radio group (arrow keys move between them, as with any radio group).

import { AgentAvailability } from "@helpdesk/client";
import { useTranslation } from "react-i18next";
import { ErrorBanner } from "@/components";
import { cx } from "@/lib/cx";
import { describeError } from "@/lib/errors";
import { useAvailability } from "../hooks/use-availability";
import { AGENT_CHAT_NAMESPACE } from "../i18n";

const CHOICES = [
  { value: AgentAvailability.ONLINE, key: "online", dot: "bg-success" },
  { value: AgentAvailability.AWAY, key: "away", dot: "bg-warning" },
  { value: AgentAvailability.OFFLINE, key: "offline", dot: "bg-border-strong" },
] as const;

const HINTS: Record<string, string> = { online: "hintOnline", away: "hintAway", offline: "hintOffline" };

export function AvailabilitySwitch({ viewerId }: { viewerId: string }) {
  const { t } = useTranslation(AGENT_CHAT_NAMESPACE);
  const { t: tc } = useTranslation();
  const { availability, change } = useAvailability(viewerId);
  const current = CHOICES.find((choice) => choice.value === availability) ?? CHOICES[2];
  return (
    <fieldset>
      <legend className="mb-2 text-xs font-semibold tracking-wide text-muted uppercase">{t("availability.legend")}</legend>
      <div className="grid grid-cols-3 gap-1 rounded-lg bg-subtle p-1">
        {CHOICES.map((choice) => (
          <label
            key={choice.key}
            className={cx(
              "flex cursor-pointer items-center justify-center gap-1.5 rounded-md px-2 py-1.5 text-[13px] font-medium has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-accent",
              availability === choice.value ? "bg-surface text-fg shadow-xs" : "text-muted hover:text-fg",
            )}
          >
            <input
              type="radio"
              name="availability"
              className="sr-only"
              checked={availability === choice.value}
              onChange={() => change.mutate(choice.value)}
            />
            <span aria-hidden="true" className={cx("size-2 rounded-full", choice.dot)} />
            {t(`availability.${choice.key}`)}
          </label>
        ))}
      </div>
      <p className="mt-1.5 text-xs text-muted">{t(`availability.${HINTS[current.key]}`)}</p>
      {change.isError ? (
        <ErrorBanner className="mt-2">
          {t("availability.failed")} {describeError(change.error, tc)}
        </ErrorBanner>
      ) : null}
    </fieldset>
  );
}

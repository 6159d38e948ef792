import type { Ticket } from "@helpdesk/client";
import { AlarmClock, Clock, PauseCircle } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Badge, type BadgeTone } from "@/components";
import { formatDateTime, toDate } from "@/lib/format";

type SlaState = { tone: BadgeTone; key: "breached" | "atRisk" | "due" | "paused"; target: "firstResponse" | "resolution" };

/**
 * The one SLA fact an agent acts on: the pending target (first reply until there is one, then
 * resolution) and whether it is overdue, close, or paused. Nothing when no policy applies.
 */
export function slaState(ticket: Ticket): (SlaState & { due: Ticket["resolutionDueTime"] }) | undefined {
  const firstPending = ticket.firstResponseTime === undefined && ticket.firstResponseDueTime !== undefined;
  const target = firstPending ? "firstResponse" : "resolution";
  const due = firstPending ? ticket.firstResponseDueTime : ticket.resolutionDueTime;
  const breached = firstPending ? ticket.firstResponseBreached : ticket.resolutionBreached;
  if (due === undefined) return undefined;
  if (ticket.slaPaused) {
    // Resolved or closed tickets have nothing pending; a paused one waits on the customer.
    return breached ? { tone: "danger", key: "breached", target, due } : ticket.resolveTime === undefined ? { tone: "neutral", key: "paused", target, due } : undefined;
  }
  if (breached) return { tone: "danger", key: "breached", target, due };
  if (ticket.slaAtRisk) return { tone: "warning", key: "atRisk", target, due };
  return { tone: "neutral", key: "due", target, due };
}

/**
 * "in 95 minutes", "in 4 hours", "3 days ago": minutes while under two hours, where an hour
 * rounded away would mislead whoever is racing the clock.
 */
function untilDue(due: Date, language: string, now: number = Date.now()): string {
  const minutes = Math.round((due.getTime() - now) / 60_000);
  const format = new Intl.RelativeTimeFormat(language, { numeric: "auto" });
  if (Math.abs(minutes) < 120) return format.format(minutes, "minute");
  if (Math.abs(minutes) < 48 * 60) return format.format(Math.trunc(minutes / 60), "hour");
  return format.format(Math.trunc(minutes / (24 * 60)), "day");
}

const ICON = { breached: AlarmClock, atRisk: AlarmClock, due: Clock, paused: PauseCircle } as const;

/** The ticket's SLA chip: "First reply due in 25 minutes", "Resolution overdue", … with the due time on hover. */
export function SlaBadge({ ticket, className }: { ticket: Ticket; className?: string }) {
  const { t, i18n } = useTranslation("workspace");
  const state = slaState(ticket);
  if (state === undefined) return null;
  const Icon = ICON[state.key];
  const due = toDate(state.due);
  if (due === undefined) return null;
  const when = untilDue(due, i18n.language);
  return (
    <span title={t("sla.dueAt", { when: formatDateTime(state.due, i18n.language) })} className={className}>
      <Badge tone={state.tone}>
        <Icon aria-hidden="true" className="size-3" />
        {t(`sla.${state.key}.${state.target}`, { when })}
      </Badge>
    </span>
  );
}

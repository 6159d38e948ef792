import type { TicketPriority, TicketStatus } from "@helpdesk/client";
import { ArrowDown, ArrowUp, ChevronsUp, Minus } from "lucide-react";
import { PRIORITY_NAME, STATUS_NAME, type PriorityName, type StatusName } from "@/lib/ticket-names";
import { Badge, type BadgeTone } from "./Badge";

const STATUS_TONE: Record<StatusName, BadgeTone> = {
  open: "accent",
  in_progress: "info",
  waiting: "warning",
  resolved: "success",
  closed: "neutral",
};

const PRIORITY_TONE: Record<PriorityName, BadgeTone> = {
  low: "neutral",
  medium: "neutral",
  high: "warning",
  urgent: "danger",
};

const PRIORITY_ICON = { low: ArrowDown, medium: Minus, high: ArrowUp, urgent: ChevronsUp } as const;

/** A ticket status chip; the caller names it (customers and agents word "waiting" differently). */
export function StatusBadge({ status, label }: { status: TicketStatus; label: (name: StatusName) => string }) {
  const name = STATUS_NAME[status];
  if (name === undefined) return null;
  return (
    <Badge tone={STATUS_TONE[name]} dot>
      {label(name)}
    </Badge>
  );
}

/** A ticket priority chip with its arrow (the level is visible without colour). */
export function PriorityBadge({ priority, label, className }: { priority: TicketPriority; label: (name: PriorityName) => string; className?: string }) {
  const name = PRIORITY_NAME[priority];
  if (name === undefined) return null;
  const Icon = PRIORITY_ICON[name];
  return (
    <Badge tone={PRIORITY_TONE[name]} className={className}>
      <Icon aria-hidden="true" className="size-3" />
      {label(name)}
    </Badge>
  );
}

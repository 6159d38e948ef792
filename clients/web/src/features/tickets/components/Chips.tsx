import type { TicketPriority, TicketStatus } from "@helpdesk/client";
import { ArrowUp, ChevronsUp, Minus, ArrowDown } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Badge } from "@/components";
import { PRIORITY_NAME, PRIORITY_TONE, STATUS_NAME, STATUS_TONE } from "../labels";

export function StatusBadge({ status }: { status: TicketStatus }) {
  const { t } = useTranslation("tickets");
  const name = STATUS_NAME[status];
  if (name === undefined) return null;
  return (
    <Badge tone={STATUS_TONE[name]} dot>
      {t(`status.${name}`)}
    </Badge>
  );
}

const PRIORITY_ICON = { low: ArrowDown, medium: Minus, high: ArrowUp, urgent: ChevronsUp } as const;

export function PriorityBadge({ priority }: { priority: TicketPriority }) {
  const { t } = useTranslation("tickets");
  const name = PRIORITY_NAME[priority];
  if (name === undefined) return null;
  const Icon = PRIORITY_ICON[name];
  return (
    <Badge tone={PRIORITY_TONE[name]}>
      <Icon aria-hidden="true" className="size-3" />
      {t(`priority.${name}`)}
    </Badge>
  );
}

/** A category key in words (unknown categories are shown as they are). */
export function useCategoryLabel(): (category: string) => string {
  const { t, i18n } = useTranslation("tickets");
  return (category) => {
    if (category === "") return t("category.none");
    const key = `category.${category}`;
    return i18n.exists(key, { ns: "tickets" }) ? t(key) : category;
  };
}

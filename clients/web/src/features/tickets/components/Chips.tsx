import type { TicketPriority, TicketStatus } from "@helpdesk/client";
import { useTranslation } from "react-i18next";
import { PriorityBadge as SharedPriorityBadge, StatusBadge as SharedStatusBadge } from "@/components";

export function StatusBadge({ status }: { status: TicketStatus }) {
  const { t } = useTranslation("tickets");
  return <SharedStatusBadge status={status} label={(name) => t(`status.${name}`)} />;
}

export function PriorityBadge({ priority }: { priority: TicketPriority }) {
  const { t } = useTranslation("tickets");
  return <SharedPriorityBadge priority={priority} label={(name) => t(`priority.${name}`)} />;
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

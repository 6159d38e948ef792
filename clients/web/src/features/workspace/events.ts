// The ticket's audit trail (ListTicketEvents) in words.

import { TicketEventType, type TicketEvent } from "@helpdesk/client";
import type { Translate } from "@/lib/errors";
import { PRIORITY_NAME, STATUS_NAME } from "@/lib/ticket-names";

/** One event as a sentence; `nameOf` turns a user id into a display name (or undefined). */
export function describeEvent(event: TicketEvent, t: Translate, nameOf: (id: string) => string | undefined): string {
  const actor = event.actorDisplayName || t("event.someone");
  const status = (value: TicketEvent["newStatus"]): string => {
    const name = STATUS_NAME[value];
    return name ? t(`status.${name}`) : "";
  };
  const priority = (value: TicketEvent["newPriority"]): string => {
    const name = PRIORITY_NAME[value];
    return name ? t(`priority.${name}`) : "";
  };
  switch (event.type) {
    case TicketEventType.CREATED:
      return t("event.created", { actor });
    case TicketEventType.STATUS_CHANGED:
      return t("event.status", { actor, from: status(event.oldStatus), to: status(event.newStatus) });
    case TicketEventType.PRIORITY_CHANGED:
      return t("event.priority", { actor, from: priority(event.oldPriority), to: priority(event.newPriority) });
    case TicketEventType.ASSIGNEE_CHANGED:
      return event.newAssigneeId
        ? t("event.assigned", { actor, to: nameOf(event.newAssigneeId) ?? t("event.someone") })
        : t("event.unassigned", { actor });
    case TicketEventType.CATEGORY_CHANGED:
      return t("event.category", { actor, to: event.newCategory ? t(`category.${event.newCategory}`, { defaultValue: event.newCategory }) : t("category.none") });
    case TicketEventType.TAGS_CHANGED:
      return t("event.tags", { actor });
    case TicketEventType.MESSAGE_ADDED:
      return t("event.message", { actor });
    case TicketEventType.NOTE_ADDED:
      return t("event.note", { actor });
    default:
      return t("event.updated", { actor, fields: event.updatedFields.join(", ") });
  }
}

// Words for a policy's priority, targets and schedule, shared by the list and the editor.
import { type SlaPolicy } from "@helpdesk/client";
import type { TFunction } from "i18next";
import { PRIORITY_NAME } from "@/lib/ticket-names";
import { toTarget } from "./model";

export function priorityLabel(priority: SlaPolicy["priority"], t: TFunction<"adminSla">): string {
  const name = PRIORITY_NAME[priority];
  return name ? t(`priority.${name}`) : "";
}

/** "4 h", "30 min", "2 d". */
export function targetLabel(duration: SlaPolicy["firstResponseTarget"], t: TFunction<"adminSla">): string {
  const target = toTarget(duration);
  return target.amount === "" ? "" : t(`amount.${target.unit}`, { count: Number(target.amount) });
}

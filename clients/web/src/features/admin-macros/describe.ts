// What a macro's steps do, in words: a few words per step for the list, and the editor's preview
// (a sentence per step, replies and notes shown as an example ticket would get them).

import type { Agent } from "@helpdesk/client";
import type { TFunction } from "i18next";
import { fillPlaceholders } from "@/lib/placeholders";
import { PRIORITY_NAME, STATUS_NAME } from "@/lib/ticket-names";
import { parseTags, type ActionDraft } from "./model";

type T = TFunction<"adminMacros">;

/** An agent's name by id, or undefined when not among `agents` (deactivated, or not loaded yet: "another user" then). */
export function agentName(agents: readonly Agent[] | undefined, id: string): string | undefined {
  return agents?.find((agent) => agent.id === id)?.displayName;
}

function statusWord(step: ActionDraft, t: T): string {
  return t(`status.${STATUS_NAME[step.status] ?? "open"}`);
}

function priorityWord(step: ActionDraft, t: T): string {
  return t(`priority.${PRIORITY_NAME[step.priority] ?? "medium"}`);
}

/** A step in a few words ("Status: Resolved"), for the list's rows. */
export function shortStep(step: ActionDraft, t: T, agents?: readonly Agent[]): string {
  switch (step.kind) {
    case "reply":
    case "note":
      return t(`short.${step.kind}`);
    case "status":
      return t("short.status", { name: statusWord(step, t) });
    case "priority":
      return t("short.priority", { name: priorityWord(step, t) });
    case "addTags":
    case "removeTags":
      return t(`short.${step.kind}`, { tags: parseTags(step.tags).join(", ") });
    case "assignee":
      return step.assignee === "me" ? t("short.assignMe") : step.assignee === "" ? t("short.unassign") : t("short.assign", { name: agentName(agents, step.assignee) ?? t("someone") });
  }
}

/** One line of the preview: a sentence, and for replies and notes the text as the example ticket gets it. */
export interface PreviewLine {
  key: number;
  sentence: string;
  text?: string;
  internal?: boolean;
}

/** The editor's preview of every step, in order. */
export function previewSteps(steps: readonly ActionDraft[], t: T, agents?: readonly Agent[]): PreviewLine[] {
  const example = {
    customerName: t("example.customer"),
    customerEmail: t("example.email"),
    ticketNumber: "1042",
    ticketSubject: t("example.subject"),
    agentName: t("example.agent"),
  };
  return steps.map((step) => {
    switch (step.kind) {
      case "reply":
      case "note":
        return { key: step.key, sentence: t(`does.${step.kind}`), text: step.body.trim() ? fillPlaceholders(step.body, example) : t("does.empty"), internal: step.kind === "note" };
      case "status":
        return { key: step.key, sentence: t("does.status", { name: statusWord(step, t) }) };
      case "priority":
        return { key: step.key, sentence: t("does.priority", { name: priorityWord(step, t) }) };
      case "addTags":
      case "removeTags": {
        const tags = parseTags(step.tags);
        return { key: step.key, sentence: tags.length === 0 ? t("does.noTags") : t(`does.${step.kind}`, { count: tags.length, tags: tags.join(", ") }) };
      }
      case "assignee":
        return {
          key: step.key,
          sentence:
            step.assignee === "me" ? t("does.assignMe") : step.assignee === "" ? t("does.unassign") : t("does.assign", { name: agentName(agents, step.assignee) ?? t("someone") }),
        };
    }
  });
}

// A macro as the editor holds it (plain strings, one entry per step with a stable key), to and from
// the API's Macro, the server's field paths onto the editor's fields, and the list's search.

import { TicketPriority, TicketStatus, type Macro, type MacroAction } from "@helpdesk/client";

/** The kinds of step the API has (MacroAction's oneof), in the order the editor offers them. */
export const ACTION_KINDS = ["reply", "note", "status", "priority", "addTags", "removeTags", "assignee"] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** The most steps a macro may have (server/macros/actions.py MAX_ACTIONS). */
export const MAX_ACTIONS = 20;

/** "me" (whoever applies the macro), "" (nobody: unassign) or a user id. */
export type AssigneeChoice = string;

/** One step as typed; only the fields its kind names are used. `key` stays with the step when steps move. */
export interface ActionDraft {
  key: number;
  kind: ActionKind;
  body: string;
  status: TicketStatus;
  priority: TicketPriority;
  /** Tags as typed: separated by commas or spaces. */
  tags: string;
  assignee: AssigneeChoice;
}

export interface MacroDraft {
  name: string;
  description: string;
  actions: ActionDraft[];
}

let lastKey = 0;
function nextKey(): number {
  lastKey += 1;
  return lastKey;
}

/** A new step of `kind` with sensible defaults (a reply starts empty; status "Resolved"; assign to "me"). */
export function newAction(kind: ActionKind): ActionDraft {
  return { key: nextKey(), kind, body: "", status: TicketStatus.RESOLVED, priority: TicketPriority.HIGH, tags: "", assignee: "me" };
}

/** A new macro: a name to write and one reply step to fill. */
export function emptyDraft(): MacroDraft {
  return { name: "", description: "", actions: [newAction("reply")] };
}

/** The tags typed in a box: split on commas and white space, trimmed, without repeats (the server lower-cases them). */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

function actionDraft(action: MacroAction): ActionDraft {
  const draft = newAction("reply");
  const step = action.action;
  switch (step.case) {
    case "addMessage":
      return { ...draft, kind: step.value.internal ? "note" : "reply", body: step.value.body };
    case "setStatus":
      return { ...draft, kind: "status", status: step.value };
    case "setPriority":
      return { ...draft, kind: "priority", priority: step.value };
    case "addTags":
      return { ...draft, kind: "addTags", tags: step.value.tags.join(", ") };
    case "removeTags":
      return { ...draft, kind: "removeTags", tags: step.value.tags.join(", ") };
    case "setAssignee":
      return { ...draft, kind: "assignee", assignee: step.value.assigneeId };
    default:
      // A kind this app does not know yet (a newer server): kept as an empty reply the server refuses, not lost silently.
      return draft;
  }
}

export function fromMacro(macro: Macro): MacroDraft {
  return { name: macro.name, description: macro.description, actions: macro.actions.map(actionDraft) };
}

/** One step as the API takes it. */
export function toAction(draft: ActionDraft) {
  switch (draft.kind) {
    case "reply":
    case "note":
      return { action: { case: "addMessage" as const, value: { body: draft.body, internal: draft.kind === "note" } } };
    case "status":
      return { action: { case: "setStatus" as const, value: draft.status } };
    case "priority":
      return { action: { case: "setPriority" as const, value: draft.priority } };
    case "addTags":
      return { action: { case: "addTags" as const, value: { tags: parseTags(draft.tags) } } };
    case "removeTags":
      return { action: { case: "removeTags" as const, value: { tags: parseTags(draft.tags) } } };
    case "assignee":
      return { action: { case: "setAssignee" as const, value: { assigneeId: draft.assignee } } };
  }
}

/** The macro's fields as the API takes them (id and etag added by the caller). */
export function toMacroFields(draft: MacroDraft) {
  return { name: draft.name.trim(), description: draft.description.trim(), actions: draft.actions.map(toAction) };
}

/** A field of the editor: `name`, `description`, `actions` (the list as a whole), or `action.<i>.<part>`. */
export type FieldKey = string;

/** The editor field of a server violation path (`macro.actions[2].add_message.body` → `action.2.body`); "form" if none. */
export function fieldOfPath(path: string): FieldKey {
  const local = path.replace(/^macro\./, "");
  const step = /^actions\[(\d+)\](?:\.(\w+)(?:\.(\w+))?)?$/.exec(local);
  if (step) {
    const part = step[2] === "add_message" ? "body" : step[2] === "add_tags" || step[2] === "remove_tags" ? "tags" : step[2] === "set_assignee" ? "assignee" : step[2] === "set_status" ? "status" : step[2] === "set_priority" ? "priority" : "kind";
    return `action.${step[1]}.${part}`;
  }
  const fixed: Record<string, FieldKey> = { name: "name", description: "description", actions: "actions" };
  return fixed[local] ?? "form";
}

/** The DOM id of an editor field (what errors focus). */
export function fieldId(field: FieldKey): string {
  return `macro-${field.replace(/\./g, "-")}`;
}

/** Macros whose name or description contains every word of `query` (case and accents ignored). */
export function filterMacros(macros: readonly Macro[], query: string): Macro[] {
  const fold = (text: string) => text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...macros];
  return macros.filter((macro) => {
    const text = fold(`${macro.name} ${macro.description}`);
    return words.every((word) => text.includes(word));
  });
}

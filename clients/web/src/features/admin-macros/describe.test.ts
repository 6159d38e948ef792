import { TicketStatus, type Agent } from "@helpdesk/client";
import type { TFunction } from "i18next";
import { describe, expect, it } from "vitest";
import { previewSteps, shortStep } from "./describe";
import { newAction } from "./model";

// The words are the i18n layer's; these tests check what the preview puts in them.
const t = ((key: string, options?: Record<string, unknown>) =>
  key.startsWith("example.") ? { "example.customer": "Maria Silva", "example.email": "maria@example.com", "example.subject": "Charged twice", "example.agent": "you" }[key] : options ? `${key} ${JSON.stringify(options)}` : key) as unknown as TFunction<"adminMacros">;
const agents = [{ id: "u-1", displayName: "Kim Agent" }] as Agent[];

describe("previewSteps", () => {
  it("shows replies and notes as the example ticket gets them, placeholders filled once", () => {
    const [reply, note] = previewSteps(
      [
        { ...newAction("reply"), body: "Hi {{ customer.first_name }}, #{{ticket.number}} ({{ticket.subject}}) {{unknown.thing}}" },
        { ...newAction("note"), body: "By {{agent.first_name}}" },
      ],
      t,
      agents,
    );
    expect(reply).toMatchObject({ sentence: "does.reply", text: "Hi Maria, #1042 (Charged twice) {{unknown.thing}}", internal: false });
    expect(note).toMatchObject({ sentence: "does.note", text: "By you", internal: true });
  });

  it("counts the tags, names the assignee, and says when a step has nothing yet", () => {
    const lines = previewSteps(
      [
        { ...newAction("addTags"), tags: "refund, billing refund" },
        { ...newAction("removeTags"), tags: " " },
        { ...newAction("assignee"), assignee: "u-1" },
        { ...newAction("assignee"), assignee: "" },
        { ...newAction("reply"), body: "  " },
      ],
      t,
      agents,
    );
    expect(lines.map((line) => line.sentence)).toEqual([
      'does.addTags {"count":2,"tags":"refund, billing"}',
      "does.noTags",
      'does.assign {"name":"Kim Agent"}',
      "does.unassign",
      "does.reply",
    ]);
    expect(lines[4]?.text).toBe("does.empty");
  });
});

describe("shortStep", () => {
  it("names the status, and an assignee it does not know by id", () => {
    expect(shortStep({ ...newAction("status"), status: TicketStatus.WAITING_ON_CUSTOMER }, t)).toBe('short.status {"name":"status.waiting"}');
    expect(shortStep({ ...newAction("assignee"), assignee: "u-9" }, t, agents)).toBe('short.assign {"name":"someone"}');
  });
});

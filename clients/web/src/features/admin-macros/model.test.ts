import { TicketPriority, TicketStatus, type Macro } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import { fieldOfPath, filterMacros, fromMacro, newAction, parseTags, toMacroFields } from "./model";

describe("fieldOfPath", () => {
  it("places a step's violations at that step's control", () => {
    expect(fieldOfPath("macro.actions[2].add_message.body")).toBe("action.2.body");
    expect(fieldOfPath("macro.actions[0].remove_tags.tags")).toBe("action.0.tags");
    expect(fieldOfPath("macro.actions[1].set_assignee.assignee_id")).toBe("action.1.assignee");
    expect(fieldOfPath("macro.actions[3]")).toBe("action.3.kind");
  });

  it("places the macro's own fields, and leaves the rest to the form", () => {
    expect(fieldOfPath("macro.name")).toBe("name");
    expect(fieldOfPath("macro.actions")).toBe("actions");
    expect(fieldOfPath("request_id")).toBe("form");
  });
});

describe("a draft", () => {
  it("goes to the API and back unchanged, note and reply told apart", () => {
    const steps = [
      { ...newAction("note"), body: "Checked the logs." },
      { ...newAction("reply"), body: "Hi {{customer.first_name}}" },
      { ...newAction("status"), status: TicketStatus.WAITING_ON_CUSTOMER },
      { ...newAction("priority"), priority: TicketPriority.URGENT },
      { ...newAction("addTags"), tags: "refund, billing refund" },
      { ...newAction("assignee"), assignee: "" },
    ];
    const fields = toMacroFields({ name: "  Refund  ", description: "", actions: steps });
    expect(fields.name).toBe("Refund");
    expect(fields.actions[4]).toEqual({ action: { case: "addTags", value: { tags: ["refund", "billing"] } } });
    const back = fromMacro({ ...fields, id: "m", etag: "e" } as unknown as Macro);
    expect(back.actions.map(({ kind, body, status, priority, tags, assignee }) => ({ kind, body, status, priority, tags, assignee }))).toEqual(
      steps.map(({ kind, body, status, priority, tags, assignee }) => ({ kind, body, status, priority, tags: kind === "addTags" ? "refund, billing" : tags, assignee })),
    );
  });

  it("reads tags separated by commas or spaces, once each", () => {
    expect(parseTags(" vip,, refund  vip ")).toEqual(["vip", "refund"]);
  });
});

describe("filterMacros", () => {
  const macro = (name: string, description = "") => ({ name, description }) as Macro;
  it("matches every word in the name or description, ignoring case and accents", () => {
    const macros = [macro("Reembolso emitido", "Avisa o cliente"), macro("Escalate", "to the billing team")];
    expect(filterMacros(macros, "REEMBOLSO").map((m) => m.name)).toEqual(["Reembolso emitido"]);
    expect(filterMacros(macros, "billing escalate").map((m) => m.name)).toEqual(["Escalate"]);
    expect(filterMacros(macros, "emitído cliente").map((m) => m.name)).toEqual(["Reembolso emitido"]);
    expect(filterMacros(macros, "  ")).toHaveLength(2);
  });
});

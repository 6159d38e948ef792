import { describe, expect, it } from "vitest";
import { fillPlaceholders } from "./placeholders";

describe("fillPlaceholders", () => {
  it("fills names and first names, spaces inside braces allowed", () => {
    expect(fillPlaceholders("Hi {{ customer.first_name }}, {{agent.first_name}} here ({{agent.name}}).", { customerName: "Clara Souza", agentName: "Alex Agent" })).toBe(
      "Hi Clara, Alex here (Alex Agent).",
    );
  });

  it("leaves what it cannot fill for the agent to edit", () => {
    expect(fillPlaceholders("Ticket #{{ticket.number}} for {{customer.email}}", { customerName: "Clara" })).toBe("Ticket #{{ticket.number}} for {{customer.email}}");
  });

  it("never expands a value that looks like a placeholder", () => {
    expect(fillPlaceholders("{{customer.name}} / {{agent.name}}", { customerName: "{{agent.name}}", agentName: "Alex" })).toBe("{{agent.name}} / Alex");
  });
});

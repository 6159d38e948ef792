import { describe, expect, it } from "vitest";
import { shortName, verdict, type ServiceHealth } from "./health";

const serving = (service: string): ServiceHealth => ({ service, status: "serving" });

describe("verdict", () => {
  it("is operational when the server and every reported service serve", () => {
    expect(verdict([serving(""), serving("helpdesk.v1.TicketService"), { service: "helpdesk.v1.X", status: "unknown" }])).toBe("operational");
  });

  it("is degraded when a service does not serve or cannot be reached", () => {
    expect(verdict([serving(""), { service: "helpdesk.v1.ChatService", status: "notServing" }])).toBe("degraded");
    expect(verdict([serving(""), { service: "helpdesk.v1.ChatService", status: "unreachable" }])).toBe("degraded");
  });

  it("is down when the server overall does not serve, cannot be reached, or was not asked", () => {
    expect(verdict([{ service: "", status: "notServing" }, serving("helpdesk.v1.TicketService")])).toBe("down");
    expect(verdict([{ service: "", status: "unreachable" }])).toBe("down");
    expect(verdict([])).toBe("down");
  });
});

describe("shortName", () => {
  it("names the overall status and strips the package", () => {
    expect(shortName("")).toBe("overall");
    expect(shortName("helpdesk.v1.KnowledgeService")).toBe("KnowledgeService");
  });
});

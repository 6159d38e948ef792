import { TicketPriority, TicketStatus } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import { listFilters, parseTicketListSearch } from "./search";

describe("parseTicketListSearch", () => {
  it("reads statuses and priorities from arrays or comma lists, canonical order, no duplicates", () => {
    expect(parseTicketListSearch({ status: ["resolved", "open", "open"], priority: "urgent,low" })).toEqual({
      status: ["open", "resolved"],
      priority: ["low", "urgent"],
    });
  });

  it("drops unknown values and empty filters instead of failing", () => {
    expect(parseTicketListSearch({ status: ["nope"], priority: 3, q: "   ", extra: "x" })).toEqual({});
  });

  it("trims and bounds the text query", () => {
    expect(parseTicketListSearch({ q: "  refund  " })).toEqual({ q: "refund" });
    expect(parseTicketListSearch({ q: "x".repeat(500) }).q).toHaveLength(200);
  });
});

describe("listFilters", () => {
  it("maps names onto the API's enums", () => {
    expect(listFilters({ q: "card", status: ["waiting"], priority: ["high"] })).toEqual({
      query: "card",
      statuses: [TicketStatus.WAITING_ON_CUSTOMER],
      priorities: [TicketPriority.HIGH],
    });
    expect(listFilters({})).toEqual({ query: "", statuses: [], priorities: [] });
  });
});

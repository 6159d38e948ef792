import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { TicketPriority, TicketSchema, TicketStatus } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import { compareTickets, hasFreeFilters, matchesQuery, parseWorkspaceSearch, ticketQuery } from "./search";

const ME = "11111111-1111-1111-1111-111111111111";
const OTHER = "22222222-2222-2222-2222-222222222222";

type Sla = Partial<{ firstResponseDue: Date; firstResponded: Date; resolutionDue: Date; firstResponseBreached: boolean; resolutionBreached: boolean; slaPaused: boolean }>;

function ticket(fields: Partial<{ id: string; status: TicketStatus; priority: TicketPriority; assigneeId: string; tags: string[]; category: string; created: Date; updated: Date; number: number }> & Sla) {
  const stamp = (date: Date | undefined) => (date ? timestampFromDate(date) : undefined);
  return create(TicketSchema, {
    firstResponseDueTime: stamp(fields.firstResponseDue),
    firstResponseTime: stamp(fields.firstResponded),
    resolutionDueTime: stamp(fields.resolutionDue),
    firstResponseBreached: fields.firstResponseBreached ?? false,
    resolutionBreached: fields.resolutionBreached ?? false,
    slaPaused: fields.slaPaused ?? false,
    id: fields.id ?? "a",
    number: fields.number ?? 1,
    status: fields.status ?? TicketStatus.OPEN,
    priority: fields.priority ?? TicketPriority.MEDIUM,
    assigneeId: fields.assigneeId ?? "",
    tags: fields.tags ?? [],
    category: fields.category ?? "",
    createTime: timestampFromDate(fields.created ?? new Date(2026, 11, 5, 12)),
    updateTime: timestampFromDate(fields.updated ?? new Date(2026, 11, 5, 12)),
  });
}

describe("parseWorkspaceSearch", () => {
  it("keeps the default view and sort out of the URL, and reads every filter", () => {
    expect(parseWorkspaceSearch({ view: "mine", sort: "priority" })).toEqual({});
    expect(
      parseWorkspaceSearch({ view: "waiting", status: "resolved,open", priority: ["urgent"], assignee: OTHER, tag: "Refund", category: "billing", from: "2026-12-01", to: "2026-12-07", q: " card ", sort: "updated" }),
    ).toEqual({ view: "waiting", status: ["open", "resolved"], priority: ["urgent"], assignee: OTHER, tag: "refund", category: "billing", from: "2026-12-01", to: "2026-12-07", q: "card", sort: "updated" });
  });

  it("keeps each view's own sort out of the URL: due soonest for breached tickets", () => {
    expect(parseWorkspaceSearch({ view: "breached", sort: "due" })).toEqual({ view: "breached" });
    expect(parseWorkspaceSearch({ view: "breached", sort: "priority" })).toEqual({ view: "breached", sort: "priority" });
    expect(parseWorkspaceSearch({ view: "open", sort: "due" })).toEqual({ view: "open", sort: "due" });
  });

  it("drops what it does not understand instead of failing the page", () => {
    expect(parseWorkspaceSearch({ view: "everything", assignee: "bob", tag: "a b", from: "yesterday", sort: "random", status: "nope" })).toEqual({});
  });

  it("round-trips through the URL: parsing what it produced changes nothing", () => {
    const search = parseWorkspaceSearch({ view: "open", priority: "high", assignee: "none", q: "refund" });
    expect(parseWorkspaceSearch({ ...search })).toEqual(search);
    expect(hasFreeFilters(search)).toBe(true);
    expect(hasFreeFilters({ view: "open", sort: "created" })).toBe(false);
  });
});

describe("ticketQuery", () => {
  it("starts from the view and lets free filters replace its status and assignee", () => {
    const mine = ticketQuery({});
    expect(mine.assigneeId).toBe("me");
    expect(mine.statuses).toEqual([TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING_ON_CUSTOMER]);
    expect(mine.orderBy).toBe("priority desc, create_time");
    const custom = ticketQuery({ view: "unassigned", status: ["closed"], assignee: OTHER, sort: "updated" });
    expect(custom.statuses).toEqual([TicketStatus.CLOSED]);
    expect(custom.assigneeId).toBe(OTHER);
    expect(custom.orderBy).toBe("update_time desc");
  });

  it("asks for the unresolved breached tickets, due soonest first", () => {
    const breached = ticketQuery({ view: "breached" });
    expect(breached.slaBreached).toBe(true);
    expect(breached.statuses).toEqual([TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING_ON_CUSTOMER]);
    expect(breached.orderBy).toBe("due_time");
    expect(ticketQuery({ view: "breached", sort: "updated" }).orderBy).toBe("update_time desc");
    expect(ticketQuery({ view: "open" }).slaBreached).toBe(false);
  });

  it("makes the date range whole local days", () => {
    const query = ticketQuery({ view: "open", from: "2026-12-01", to: "2026-12-07" });
    expect(query.createTimeStart && timestampDate(query.createTimeStart)).toEqual(new Date(2026, 11, 1));
    expect(query.createTimeEnd && timestampDate(query.createTimeEnd)).toEqual(new Date(2026, 11, 8));
  });
});

describe("matchesQuery", () => {
  it("tests a changed ticket against the list's filters", () => {
    const mine = ticketQuery({});
    expect(matchesQuery(ticket({ assigneeId: ME }), mine, ME)).toBe(true);
    expect(matchesQuery(ticket({ assigneeId: OTHER }), mine, ME)).toBe(false);
    expect(matchesQuery(ticket({ assigneeId: ME, status: TicketStatus.RESOLVED }), mine, ME)).toBe(false);
    const unassigned = ticketQuery({ view: "unassigned", priority: ["urgent"], tag: "vip", category: "billing" });
    expect(matchesQuery(ticket({ priority: TicketPriority.URGENT, tags: ["vip"], category: "billing" }), unassigned, ME)).toBe(true);
    expect(matchesQuery(ticket({ priority: TicketPriority.URGENT, tags: ["other"], category: "billing" }), unassigned, ME)).toBe(false);
    expect(matchesQuery(ticket({ priority: TicketPriority.HIGH, tags: ["vip"], category: "billing" }), unassigned, ME)).toBe(false);
  });

  it("applies the date range, and leaves a text query to the server", () => {
    const december = ticketQuery({ view: "open", from: "2026-12-05", to: "2026-12-05" });
    expect(matchesQuery(ticket({ created: new Date(2026, 11, 5, 23, 59) }), december, ME)).toBe(true);
    expect(matchesQuery(ticket({ created: new Date(2026, 11, 6, 0, 0) }), december, ME)).toBe(false);
    expect(matchesQuery(ticket({}), ticketQuery({ view: "open", q: "refund" }), ME)).toBe("unknown");
    expect(matchesQuery(ticket({ status: TicketStatus.CLOSED }), ticketQuery({ view: "open", q: "refund" }), ME)).toBe(false);
  });
});

describe("the breached view", () => {
  it("takes a ticket live once either target breached, and lets it go once resolved", () => {
    const breached = ticketQuery({ view: "breached" });
    expect(matchesQuery(ticket({}), breached, ME)).toBe(false);
    expect(matchesQuery(ticket({ firstResponseBreached: true }), breached, ME)).toBe(true);
    expect(matchesQuery(ticket({ resolutionBreached: true, status: TicketStatus.WAITING_ON_CUSTOMER }), breached, ME)).toBe(true);
    expect(matchesQuery(ticket({ firstResponseBreached: true, status: TicketStatus.RESOLVED }), breached, ME)).toBe(false);
  });

  it("orders due soonest like the server: the earliest pending due time, stopped clocks and no SLA last", () => {
    const at = (hour: number) => new Date(2026, 11, 5, hour);
    const overdue = ticket({ id: "d", firstResponseDue: at(8), resolutionDue: at(16) });
    // Answered: the resolution is what is pending.
    const answered = ticket({ id: "c", firstResponseDue: at(7), firstResponded: at(7), resolutionDue: at(12) });
    const soon = ticket({ id: "b", firstResponseDue: at(10), resolutionDue: at(18) });
    const paused = ticket({ id: "a", firstResponseDue: at(6), resolutionDue: at(9), slaPaused: true });
    const none = ticket({ id: "0" });
    const sorted = [none, paused, soon, answered, overdue].sort((a, b) => compareTickets(a, b, "due_time"));
    expect(sorted.map((t) => t.id)).toEqual(["d", "b", "c", "0", "a"]);
  });
});

describe("compareTickets", () => {
  it("orders like the server: most urgent first, then oldest, ties by id", () => {
    const order = "priority desc, create_time";
    const urgent = ticket({ id: "u", priority: TicketPriority.URGENT, created: new Date(2026, 11, 5) });
    const oldLow = ticket({ id: "o", priority: TicketPriority.LOW, created: new Date(2026, 11, 1) });
    const newLow = ticket({ id: "n", priority: TicketPriority.LOW, created: new Date(2026, 11, 6) });
    expect([newLow, oldLow, urgent].sort((a, b) => compareTickets(a, b, order)).map((t) => t.id)).toEqual(["u", "o", "n"]);
    expect([oldLow, newLow].sort((a, b) => compareTickets(a, b, "update_time desc")).map((t) => t.id)).toEqual(["n", "o"]);
  });
});

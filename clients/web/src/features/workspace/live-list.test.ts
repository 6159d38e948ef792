import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { TicketChangeKind, TicketChangeSchema, TicketPriority, TicketSchema, TicketStatus, type Ticket } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import { applyChange, flattenPages, type ListContext } from "./live-list";
import { compareTickets, matchesQuery, ticketQuery } from "./search";

const ME = "11111111-1111-1111-1111-111111111111";

function ticket(id: string, priority: TicketPriority, fields: { status?: TicketStatus; assigneeId?: string; minute?: number } = {}): Ticket {
  const at = timestampFromDate(new Date(2026, 11, 5, 12, fields.minute ?? 0));
  return create(TicketSchema, { id, priority, status: fields.status ?? TicketStatus.OPEN, assigneeId: fields.assigneeId ?? "", createTime: at, updateTime: at });
}

function changed(value: Ticket, kind = TicketChangeKind.UPDATED) {
  return create(TicketChangeSchema, { kind, ticketId: value.id, ticket: value });
}

const open = ticketQuery({ view: "open" });
const context = (complete = true, query = open): ListContext => ({
  matches: (value) => matchesQuery(value, query, ME),
  compare: (a, b) => compareTickets(a, b, query.orderBy),
  complete,
});

const rows = [ticket("u", TicketPriority.URGENT), ticket("m", TicketPriority.MEDIUM), ticket("l", TicketPriority.LOW)];

describe("applyChange", () => {
  it("inserts a new matching ticket where the sort puts it", () => {
    const result = applyChange(rows, changed(ticket("h", TicketPriority.HIGH), TicketChangeKind.CREATED), context());
    expect(result.effect).toBe("added");
    expect(result.rows.map((row) => row.id)).toEqual(["u", "h", "m", "l"]);
  });

  it("drops a ticket that leaves the filter, and one deleted", () => {
    const resolved = applyChange(rows, changed(ticket("m", TicketPriority.MEDIUM, { status: TicketStatus.RESOLVED, minute: 1 })), context());
    expect(resolved).toMatchObject({ effect: "removed" });
    expect(resolved.rows.map((row) => row.id)).toEqual(["u", "l"]);
    const deleted = applyChange(rows, create(TicketChangeSchema, { kind: TicketChangeKind.DELETED, ticketId: "u" }), context());
    expect(deleted.rows.map((row) => row.id)).toEqual(["m", "l"]);
  });

  it("updates a listed ticket in place, moving it if its sort key changed", () => {
    const result = applyChange(rows, changed(ticket("l", TicketPriority.URGENT, { minute: 1 })), context());
    expect(result.effect).toBe("updated");
    expect(result.rows.map((row) => row.id)).toEqual(["u", "l", "m"]);
  });

  it("never steps back to an older version than the list shows", () => {
    const newer = [ticket("m", TicketPriority.HIGH, { minute: 5 })];
    const result = applyChange(newer, changed(ticket("m", TicketPriority.LOW, { minute: 1 })), context());
    expect(result).toEqual({ rows: newer, effect: "none" });
  });

  it("leaves to a later page what sorts after the loaded rows of an incomplete list", () => {
    const late = ticket("z", TicketPriority.LOW, { minute: 30 });
    expect(applyChange(rows, changed(late, TicketChangeKind.CREATED), context(false)).effect).toBe("none");
    expect(applyChange(rows, changed(late, TicketChangeKind.CREATED), context(true)).effect).toBe("added");
  });

  it("asks the server about an unknown ticket under a text query, but updates listed ones", () => {
    const query = ticketQuery({ view: "open", q: "refund" });
    expect(applyChange(rows, changed(ticket("new", TicketPriority.HIGH)), context(true, query)).effect).toBe("refetch");
    expect(applyChange(rows, changed(ticket("u", TicketPriority.HIGH, { minute: 2 })), context(true, query)).effect).toBe("updated");
  });
});

describe("flattenPages", () => {
  it("shows each ticket once even when a live insert meets its own later page", () => {
    expect(flattenPages([{ tickets: [rows[0]!, rows[1]!] }, { tickets: [rows[1]!, rows[2]!] }]).map((row) => row.id)).toEqual(["u", "m", "l"]);
  });
});

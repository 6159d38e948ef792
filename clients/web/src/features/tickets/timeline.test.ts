import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Role, TicketMessageSchema, TicketSchema, TicketStatus } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import type { Translate } from "@/lib/errors";
import { buildTimeline } from "./timeline";

const t: Translate = (key, options) => (options ? `${key}${JSON.stringify(options)}` : key);
const at = (minute: number) => timestampFromMs(Date.UTC(2026, 0, 1, 12, minute));

function message(minute: number, role: Role, internal = false) {
  return create(TicketMessageSchema, { id: `m${minute}`, authorRole: role, authorDisplayName: "Alex", createTime: at(minute), internal });
}

describe("buildTimeline", () => {
  it("lists opened, support's public replies and the current status, oldest first", () => {
    const ticket = create(TicketSchema, { status: TicketStatus.WAITING_ON_CUSTOMER, createTime: at(0), updateTime: at(9) });
    const events = buildTimeline(ticket, [message(5, Role.AGENT), message(3, Role.CUSTOMER), message(7, Role.AGENT, true)], t);
    expect(events.map((event) => event.label)).toEqual([
      "ticket.event.opened",
      'ticket.event.replied{"name":"Alex"}',
      'ticket.event.now{"status":"status.waiting"}',
    ]);
    expect(events.at(-1)?.current).toBe(true);
  });

  it("ends with the resolution and closing times, with no 'now' step", () => {
    const ticket = create(TicketSchema, { status: TicketStatus.CLOSED, createTime: at(0), resolveTime: at(20), closeTime: at(30) });
    expect(buildTimeline(ticket, [message(10, Role.ADMIN)], t).map((event) => event.key)).toEqual(["opened", "m10", "resolved", "closed"]);
  });
});

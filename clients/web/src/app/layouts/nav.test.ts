import { Role } from "@helpdesk/client";
import type { TFunction } from "i18next";
import { describe, expect, it } from "vitest";
import { isCurrent, navItems } from "./nav";

const t = ((key: string) => key) as unknown as TFunction;
const entry = (role: Role, label: string) => navItems(role, t).find((item) => item.label === label)!;

describe("isCurrent", () => {
  it("marks the admin entry on every admin section, canned responses included", () => {
    const admin = entry(Role.ADMIN, "nav.admin");
    for (const path of ["/admin/users", "/admin/sla", "/admin/macros/new", "/admin/status", "/agent/canned-responses"]) {
      expect(isCurrent(admin, path), path).toBe(true);
    }
    expect(isCurrent(admin, "/agent/tickets")).toBe(false);
    expect(isCurrent(admin, "/reports")).toBe(false);
  });

  it("marks an entry on its own page and the pages under it, not on a path that only starts alike", () => {
    const queue = entry(Role.AGENT, "nav.queue");
    expect(isCurrent(queue, "/agent/tickets")).toBe(true);
    expect(isCurrent(queue, "/agent/tickets/0d7c")).toBe(true);
    expect(isCurrent(queue, "/agent/ticketsarchive")).toBe(false);
    expect(isCurrent(entry(Role.AGENT, "nav.responses"), "/agent/canned-responses")).toBe(true);
    expect(isCurrent(entry(Role.AGENT, "nav.chats"), "/agent/canned-responses")).toBe(false);
  });
});

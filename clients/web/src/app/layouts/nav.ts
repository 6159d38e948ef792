// What the header offers each role, and where each role lands at `/`. One line per entry: the
// agent chat console and the admin pages add theirs here.

import { Role } from "@helpdesk/client";
import type { TFunction } from "i18next";

export type NavPath =
  | "/tickets"
  | "/help"
  | "/chat"
  | "/agent/tickets"
  | "/agent/chats"
  | "/agent/articles"
  | "/admin/users"
  | "/reports"
  | "/agent/canned-responses";

export interface NavItem {
  to: NavPath;
  label: string;
  /** Path prefixes whose pages also belong to this entry (the admin sections live on several paths). */
  sections?: readonly string[];
}

// An admin's canned responses are one of the admin sections (the header has no entry of its own for them).
const ADMIN_SECTIONS = ["/admin/", "/agent/canned-responses"] as const;

/** Whether the page at `pathname` belongs to `item`: its own path or one of its sections. */
export function isCurrent(item: NavItem, pathname: string): boolean {
  const within = (prefix: string) => pathname === prefix || pathname.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`);
  return within(item.to) || (item.sections ?? []).some(within);
}

/** The header's links for a role (signed out: UNSPECIFIED). */
export function navItems(role: Role, t: TFunction): NavItem[] {
  switch (role) {
    case Role.AGENT:
    case Role.ADMIN:
      return [
        { to: "/agent/tickets", label: t("nav.queue") },
        { to: "/agent/chats", label: t("nav.chats") },
        { to: "/agent/articles", label: t("nav.articles") },
        // Admins reach canned responses from the admin sections (the header has no room for both).
        ...(role === Role.AGENT ? [{ to: "/agent/canned-responses" as const, label: t("nav.responses") }] : []),
        { to: "/help", label: t("nav.help") },
        { to: "/reports", label: t("nav.reports") },
        ...(role === Role.ADMIN ? [{ to: "/admin/users" as const, label: t("nav.admin"), sections: ADMIN_SECTIONS }] : []),
      ];
    case Role.CUSTOMER:
      return [
        { to: "/tickets", label: t("nav.tickets") },
        { to: "/help", label: t("nav.help") },
        { to: "/chat", label: t("nav.chat") },
      ];
    default:
      return [{ to: "/help", label: t("nav.help") }];
  }
}

/** Where a signed-in user starts: customers on their tickets, agents on their workspace, admins on the console. */
export function homePath(role: Role): NavPath {
  switch (role) {
    case Role.AGENT:
      return "/agent/tickets";
    case Role.ADMIN:
      return "/admin/users";
    default:
      return "/tickets";
  }
}

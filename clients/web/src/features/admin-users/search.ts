// The user list's filters as URL search params (?q=ana&role=agent&inactive=1): bookmarkable, and
// restored by the back button.

import { Role } from "@helpdesk/client";

export const ROLE_NAMES = ["customer", "agent", "admin"] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export const ROLE_BY_NAME: Record<RoleName, Role> = { customer: Role.CUSTOMER, agent: Role.AGENT, admin: Role.ADMIN };

export interface UserListSearch {
  q?: string;
  role?: RoleName;
  inactive?: true;
}

const MAX_QUERY = 100;

/** Parses untrusted search params; anything unknown is dropped rather than failing the page. */
export function parseUserListSearch(raw: Record<string, unknown>): UserListSearch {
  const search: UserListSearch = {};
  const q = typeof raw.q === "string" ? raw.q.trim().slice(0, MAX_QUERY) : typeof raw.q === "number" ? String(raw.q) : "";
  if (q !== "") search.q = q;
  const role = typeof raw.role === "string" ? raw.role.trim().toLowerCase() : "";
  if ((ROLE_NAMES as readonly string[]).includes(role)) search.role = role as RoleName;
  if (raw.inactive === true || raw.inactive === 1 || raw.inactive === "1" || raw.inactive === "true") search.inactive = true;
  return search;
}

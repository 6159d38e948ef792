import { Role } from "@helpdesk/client";

/** The i18n key naming a role. */
export function roleKey(role: Role): string {
  return role === Role.ADMIN ? "role.admin" : role === Role.AGENT ? "role.agent" : "role.customer";
}

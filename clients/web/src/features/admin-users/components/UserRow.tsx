import { Role, type User } from "@helpdesk/client";
import { ChevronDown } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Avatar, Badge, Button } from "@/components";
import { formatRelative } from "@/lib/format";
import { roleKey } from "@/lib/roles";

const ROLES = [Role.CUSTOMER, Role.AGENT, Role.ADMIN] as const;

/** One user: who, role (changeable), active, deactivated or erased, last sign-in, details, and deactivate / reactivate. */
export function UserRow({
  user,
  self,
  busy,
  onRole,
  onActive,
  onDetails,
}: {
  user: User;
  self: boolean;
  busy: boolean;
  onRole: (role: Role) => void;
  onActive: (active: boolean) => void;
  onDetails: () => void;
}) {
  const { t, i18n } = useTranslation("adminUsers");
  const { t: tc } = useTranslation();
  const name = user.displayName;
  const erased = user.eraseTime !== undefined;
  return (
    <li className="flex flex-col gap-3 px-4 py-3.5 sm:flex-row sm:items-center sm:gap-4 sm:px-5">
      <div className="flex min-w-0 flex-1 items-center gap-3">
        <Avatar name={name} tone={user.active ? "soft" : "plain"} className="size-9" />
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2">
            <span className={user.active ? "truncate font-medium text-fg" : "truncate font-medium text-muted"}>{name}</span>
            {self ? <Badge tone="accent">{t("you")}</Badge> : null}
            {erased ? (
              <Badge tone="danger" dot>
                {t("erased")}
              </Badge>
            ) : user.active ? null : (
              <Badge tone="warning" dot>
                {t("inactive")}
              </Badge>
            )}
          </div>
          <div className="mt-0.5 flex flex-wrap gap-x-3 text-xs text-muted">
            <span className="truncate">{user.email}</span>
            <span>{user.lastLoginTime ? t("lastLogin", { when: formatRelative(user.lastLoginTime, i18n.language) }) : t("neverLoggedIn")}</span>
          </div>
        </div>
      </div>
      <div className="flex shrink-0 flex-wrap items-center gap-2 pl-12 sm:pl-0">
        <div className="relative">
          <select
            aria-label={t("roleOf", { name })}
            value={user.role}
            disabled={self || busy || !user.active || erased}
            onChange={(event) => onRole(Number(event.target.value) as Role)}
            className="h-8 appearance-none rounded-lg border border-border-strong bg-surface pr-8 pl-3 text-[13px] text-fg shadow-xs disabled:opacity-60"
          >
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {tc(roleKey(role))}
              </option>
            ))}
          </select>
          <ChevronDown aria-hidden="true" className="pointer-events-none absolute top-1/2 right-2.5 size-3.5 -translate-y-1/2 text-muted" />
        </div>
        <Button variant="ghost" size="sm" aria-label={t("detailsNamed", { name })} onClick={onDetails}>
          {t("details")}
        </Button>
        {erased ? null : (
          <Button
            variant="secondary"
            size="sm"
            disabled={busy || (self && user.active)}
            aria-label={t(user.active ? "deactivateNamed" : "reactivateNamed", { name })}
            onClick={() => onActive(!user.active)}
          >
            {/* Both words, one hidden, in one cell: the button is as wide in every row (in either language),
                so the role and details controls before it line up from row to row. */}
            <span className="grid *:col-start-1 *:row-start-1">
              <span className={user.active ? undefined : "invisible"}>{t("deactivate")}</span>
              <span className={user.active ? "invisible" : undefined}>{t("reactivate")}</span>
            </span>
          </Button>
        )}
      </div>
    </li>
  );
}

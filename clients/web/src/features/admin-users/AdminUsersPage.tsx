import { HelpdeskError, Role, type User } from "@helpdesk/client";
import { getRouteApi } from "@tanstack/react-router";
import { UserPlus, Users } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { AdminPage } from "@/components/AdminTabs";
import { Button, Dialog, EmptyState, ErrorBanner, PageHeader, SearchInput, Select, Spinner } from "@/components";
import { useSession } from "@/lib/client";
import { describeError } from "@/lib/errors";
import { roleKey } from "@/lib/roles";
import { useSearchText } from "@/lib/search-text";
import { useDocumentTitle } from "@/lib/title";
import { useUpdateUser, useUsers, type UserChange } from "./api";
import { CreateUserDialog } from "./components/CreateUserDialog";
import { UserDetailDialog } from "./components/UserDetailDialog";
import { UserRow } from "./components/UserRow";
import { ROLE_BY_NAME, ROLE_NAMES, type RoleName } from "./search";
import "./i18n";

const route = getRouteApi("/admin/users");

/** `/admin/users`: find people, add agents and admins, change roles, deactivate and reactivate, export and erase customers. */
export function AdminUsersPage() {
  const { t } = useTranslation("adminUsers");
  const { t: tc } = useTranslation();
  useDocumentTitle(t("title"));
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const { user: me } = useSession();
  const [query, setQuery] = useSearchText(search.q, (q) => void navigate({ search: (previous) => ({ ...previous, q }), replace: true }));
  const [creating, setCreating] = useState(false);
  const [pending, setPending] = useState<UserChange>();
  const [detail, setDetail] = useState<User>();
  const [notice, setNotice] = useState<{ tone: "info" | "danger"; text: string }>();
  const users = useUsers({ query: search.q ?? "", role: search.role ? ROLE_BY_NAME[search.role] : Role.UNSPECIFIED, showInactive: search.inactive === true });
  const update = useUpdateUser();

  const apply = async (change: UserChange) => {
    setPending(undefined);
    setNotice(undefined);
    const name = change.user.displayName;
    try {
      const updated = await update.mutateAsync(change);
      const text =
        "role" in change
          ? t("done.role", { name, role: tc(roleKey(updated.role)) })
          : t(updated.active ? "done.reactivated" : "done.deactivated", { name });
      setNotice({ tone: "info", text });
    } catch (error) {
      const reason = HelpdeskError.from(error).reason;
      const text = reason === "LAST_ADMIN" || reason === "ETAG_MISMATCH" ? t(`failed.${reason}`, { name }) : describeError(error, tc);
      setNotice({ tone: "danger", text });
    }
  };
  const request = (change: UserChange) => {
    // Reactivating takes nothing away: no confirmation.
    if ("active" in change && change.active) void apply(change);
    else setPending(change);
  };

  const rows = users.data?.pages.flatMap((page) => page.users) ?? [];
  const pendingName = pending?.user.displayName ?? "";
  return (
    <AdminPage>
      <PageHeader
        title={t("title")}
        description={t("subtitle")}
        actions={
          <Button icon={<UserPlus aria-hidden="true" className="size-4" />} onClick={() => setCreating(true)}>
            {t("add")}
          </Button>
        }
      />
      <div className="mb-4 flex flex-col gap-3 sm:flex-row sm:items-end">
        <SearchInput className="flex-1" label={t("searchLabel")} value={query} onChange={setQuery} placeholder={t("searchPlaceholder")} />
        <div className="sm:w-48">
          <Select
            label={t("roleFilter")}
            value={search.role ?? ""}
            options={[{ value: "", label: t("anyRole") }, ...ROLE_NAMES.map((name) => ({ value: name, label: tc(`role.${name}`) }))]}
            onChange={(event) => {
              const role = (ROLE_NAMES as readonly string[]).includes(event.target.value) ? (event.target.value as RoleName) : undefined;
              void navigate({ search: (previous) => ({ ...previous, role }), replace: true });
            }}
          />
        </div>
        <label className="flex h-10 items-center gap-2 text-sm text-fg">
          <input
            type="checkbox"
            className="size-4 accent-[var(--color-accent)]"
            checked={search.inactive === true}
            onChange={(event) => void navigate({ search: (previous) => ({ ...previous, inactive: event.target.checked ? true : undefined }), replace: true })}
          />
          {t("showInactive")}
        </label>
      </div>
      {notice ? (
        <ErrorBanner tone={notice.tone} className="mb-4" onDismiss={() => setNotice(undefined)}>
          {notice.text}
        </ErrorBanner>
      ) : null}
      {users.isPending ? (
        <div className="flex justify-center py-16">
          <Spinner size="lg" label={tc("app.loading")} />
        </div>
      ) : users.isError ? (
        <ErrorBanner onRetry={() => void users.refetch()}>{`${t("loadFailed")} ${describeError(users.error, tc)}`}</ErrorBanner>
      ) : rows.length === 0 ? (
        <EmptyState icon={Users} title={t("emptyTitle")} body={t("emptyBody")} />
      ) : (
        <>
          <ul aria-label={t("listLabel")} aria-busy={users.isFetching || undefined} className="divide-y divide-border rounded-xl border border-border bg-surface shadow-xs">
            {rows.map((user: User) => (
              <UserRow
                key={user.id}
                user={user}
                self={user.id === me?.id}
                busy={update.isPending && update.variables.user.id === user.id}
                onRole={(role) => request({ user, role })}
                onActive={(active) => request({ user, active })}
                onDetails={() => setDetail(user)}
              />
            ))}
          </ul>
          {users.hasNextPage ? (
            <div className="mt-4 flex justify-center">
              <Button variant="secondary" loading={users.isFetchingNextPage} onClick={() => void users.fetchNextPage()}>
                {tc("common.loadMore")}
              </Button>
            </div>
          ) : null}
        </>
      )}
      <CreateUserDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(user) => {
          setCreating(false);
          setNotice({ tone: "info", text: t("done.created", { name: user.displayName }) });
        }}
      />
      <UserDetailDialog
        user={detail}
        onClose={() => setDetail(undefined)}
        onErased={(erased) => {
          const name = detail?.displayName ?? "";
          setDetail(undefined);
          setNotice({ tone: "info", text: t("done.erased", { name }) });
          // The account keeps no name or email: show it by its placeholder address, deactivated as it is.
          void navigate({ search: (previous) => ({ ...previous, q: erased.email, inactive: true }), replace: true });
        }}
      />
      <Dialog
        open={pending !== undefined}
        onClose={() => setPending(undefined)}
        title={
          pending && "role" in pending
            ? t("confirmRoleTitle", { name: pendingName, role: tc(roleKey(pending.role)) })
            : t("confirmDeactivateTitle", { name: pendingName })
        }
        footer={
          <>
            <Button variant="secondary" onClick={() => setPending(undefined)}>
              {tc("common.cancel")}
            </Button>
            <Button variant={pending && "role" in pending ? "primary" : "danger"} onClick={() => pending && void apply(pending)}>
              {pending && "role" in pending ? t("changeRole") : t("deactivate")}
            </Button>
          </>
        }
      >
        <p className="text-sm text-muted">
          {pending && "role" in pending ? t("confirmRoleBody", { name: pendingName }) : t("confirmDeactivateBody", { name: pendingName })}
        </p>
      </Dialog>
    </AdminPage>
  );
}

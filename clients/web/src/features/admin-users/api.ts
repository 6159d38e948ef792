// The admin console's server state: the user list (search, role, deactivated too), creating users,
// changing a user's role or active flag, and (customers) exporting or erasing their personal data.

import { toJsonString } from "@bufbuild/protobuf";
import { PersonalDataExportSchema, Role, type User } from "@helpdesk/client";
import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { client } from "@/lib/client";
import { saveTextFile } from "@/lib/download";

export interface UserFilter {
  query: string;
  role: Role;
  showInactive: boolean;
}

export const userKeys = {
  all: ["admin-users"] as const,
  list: (filter: UserFilter) => ["admin-users", "list", filter.query, filter.role, filter.showInactive] as const,
};

export function useUsers(filter: UserFilter) {
  return useInfiniteQuery({
    queryKey: userKeys.list(filter),
    initialPageParam: "",
    queryFn: ({ pageParam, signal }) =>
      client.users.listUsers(
        { pageSize: 25, pageToken: pageParam, query: filter.query, role: filter.role, showInactive: filter.showInactive },
        { signal },
      ),
    getNextPageParam: (page) => page.nextPageToken || undefined,
    placeholderData: keepPreviousData,
  });
}

export interface NewUser {
  email: string;
  displayName: string;
  role: Role.AGENT | Role.ADMIN;
  password: string;
  requestId: string;
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ password, requestId, ...user }: NewUser) =>
      client.users.createUser({ user: { ...user, active: true }, password, requestId }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}

/** A change of one user: a new role, or active on/off. The etag guards against a concurrent change. */
export type UserChange = { user: User; role: Role } | { user: User; active: boolean };

export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (change: UserChange) => {
      const { user } = change;
      const fields = "role" in change ? { role: change.role } : { active: change.active };
      return client.users.updateUser({
        user: { id: user.id, etag: user.etag, ...fields },
        updateMask: { paths: ["role" in change ? "role" : "active"] },
      });
    },
    // Conflicts included: the list shows the user as the server has them now.
    onSettled: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}

/** Erases a customer, confirmed by the etag of the account as the admin saw it; answers the account as it is now. */
export function useEraseCustomer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (user: User) => {
      await client.privacy.eraseCustomer({ userId: user.id, etag: user.etag });
      return client.users.getUser({ id: user.id });
    },
    // A stale etag too: the list shows the account as the server has it now.
    onSettled: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}

/** The file name of an admin's export of `user` made on `day`. */
export function userExportFileName(user: User, day: Date): string {
  return `helpdesk-data-${user.id}-${day.toISOString().slice(0, 10)}.json`;
}

/** Everything Helpdesk holds about `user`, handed to the browser as a JSON download. */
export async function downloadUserData(user: User): Promise<void> {
  const data = await client.privacy.exportMyData({ userId: user.id });
  saveTextFile(userExportFileName(user, new Date()), toJsonString(PersonalDataExportSchema, data, { prettySpaces: 2 }));
}

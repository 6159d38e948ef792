// The admin console's server state: the user list (search, role, deactivated too), creating users,
// and changing a user's role or active flag.

import { Role, type User } from "@helpdesk/client";
import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { client } from "@/lib/client";

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

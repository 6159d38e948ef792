// Macros' server state for their admin pages: the list, one macro, the writes (create, update,
// delete; update and delete guarded by the macro's etag), and the agents a step may assign to.
// MacroService's descriptor loads lazily with the first call (client.macros).

import type { Macro } from "@helpdesk/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client } from "@/lib/client";
import { toMacroFields, type MacroDraft } from "./model";

export const macroKeys = {
  all: ["admin-macros"] as const,
  list: ["admin-macros", "list"] as const,
  macro: (id: string) => ["admin-macros", "macro", id] as const,
  agents: ["admin-macros", "agents"] as const,
};

/** Every macro, by name (a desk has tens; the page searches them in the browser, as the API lists without a filter). */
export function useMacros() {
  return useQuery({
    queryKey: macroKeys.list,
    queryFn: async ({ signal }) => {
      const macros: Macro[] = [];
      let pageToken = "";
      do {
        const page = await client.macros.listMacros({ pageSize: 200, pageToken }, { signal });
        macros.push(...page.macros);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return macros;
    },
  });
}

export function useMacro(id: string, enabled = true) {
  return useQuery({
    queryKey: macroKeys.macro(id),
    enabled,
    queryFn: ({ signal }) => client.macros.getMacro({ id }, { signal }),
    // The form owns the values once loaded: a background refetch must not look like someone else's change.
    refetchOnWindowFocus: false,
  });
}

/** Agents and admins a step may assign tickets to, with their names for the preview. */
export function useAssignableAgents() {
  return useQuery({
    queryKey: macroKeys.agents,
    queryFn: ({ signal }) => client.chat.listAgents({ pageSize: 200 }, { signal }).then((page) => page.agents),
    staleTime: 60_000,
  });
}

const UPDATABLE = ["name", "description", "actions"];

/** Creates (no `id`) or updates a macro; an update carries the etag the editor loaded. */
export function useSaveMacro() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ draft, id, etag, requestId }: { draft: MacroDraft; id?: string; etag?: string; requestId: string }) =>
      id === undefined
        ? client.macros.createMacro({ macro: toMacroFields(draft), requestId })
        : client.macros.updateMacro({ macro: { ...toMacroFields(draft), id, etag }, updateMask: { paths: UPDATABLE } }),
    onSuccess: (macro) => {
      queryClient.setQueryData(macroKeys.macro(macro.id), macro);
      return queryClient.invalidateQueries({ queryKey: macroKeys.list });
    },
  });
}

export function useDeleteMacro() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (macro: Macro) => client.macros.deleteMacro({ id: macro.id, etag: macro.etag }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: macroKeys.all }),
  });
}

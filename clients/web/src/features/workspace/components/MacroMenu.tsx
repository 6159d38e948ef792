// The ticket page's macro menu: the macros agents may apply, each with what it will do; picking one
// applies it (the page does, with the ticket's etag). Loaded when the agent first opens it.

import { Role, type Agent, type Macro, type MacroAction } from "@helpdesk/client";
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useTranslation } from "react-i18next";
import { Dialog, ErrorBanner, Spinner } from "@/components";
import { client, useSession } from "@/lib/client";
import { describeError } from "@/lib/errors";
import { registerTranslations } from "@/lib/i18n";
import { PRIORITY_NAME, STATUS_NAME } from "@/lib/ticket-names";
import { useAgents, workspaceKeys } from "../api";

registerTranslations("macroMenu", {
  en: {
    title: "Apply a macro",
    description: "Its steps run together on this ticket; you see the result at once.",
    list: "Macros",
    none: "No macros yet. An administrator can create them.",
    noneAdmin: "No macros yet.",
    create: "Create a macro",
    reply: "Reply",
    note: "Internal note",
    status: "Status: {{name}}",
    priority: "Priority: {{name}}",
    addTags: "Add tags: {{tags}}",
    removeTags: "Remove tags: {{tags}}",
    assignMe: "Assign to me",
    assign: "Assign to {{name}}",
    someone: "another user",
    unassign: "Unassign",
  },
  "pt-BR": {
    title: "Aplicar uma macro",
    description: "Os passos rodam juntos neste chamado; você vê o resultado na hora.",
    list: "Macros",
    none: "Ainda não há macros. Um administrador pode criá-las.",
    noneAdmin: "Ainda não há macros.",
    create: "Criar uma macro",
    reply: "Resposta",
    note: "Nota interna",
    status: "Status: {{name}}",
    priority: "Prioridade: {{name}}",
    addTags: "Adicionar etiquetas: {{tags}}",
    removeTags: "Remover etiquetas: {{tags}}",
    assignMe: "Atribuir a mim",
    assign: "Atribuir a {{name}}",
    someone: "outro usuário",
    unassign: "Remover responsável",
  },
});

/** One step of a macro in a few words; an assignee by name (among `agents`, else "another user"). */
function useDescribeAction(agents: readonly Agent[] | undefined) {
  const { t } = useTranslation("macroMenu");
  const { t: tw } = useTranslation("workspace");
  return (action: MacroAction): string => {
    const step = action.action;
    switch (step.case) {
      case "addMessage":
        return step.value.internal ? t("note") : t("reply");
      case "setStatus":
        return t("status", { name: tw(`status.${STATUS_NAME[step.value] ?? "open"}`) });
      case "setPriority":
        return t("priority", { name: tw(`priority.${PRIORITY_NAME[step.value] ?? "medium"}`) });
      case "addTags":
        return t("addTags", { tags: step.value.tags.join(", ") });
      case "removeTags":
        return t("removeTags", { tags: step.value.tags.join(", ") });
      case "setAssignee":
        return describeAssignee(step.value.assigneeId, agents, t);
      default:
        return "";
    }
  };
}

function describeAssignee(assigneeId: string, agents: readonly Agent[] | undefined, t: (key: string, options?: Record<string, string>) => string): string {
  if (assigneeId === "me") return t("assignMe");
  if (assigneeId === "") return t("unassign");
  return t("assign", { name: agents?.find((agent) => agent.id === assigneeId)?.displayName ?? t("someone") });
}

export function MacroMenu({ open, onClose, onApply }: { open: boolean; onClose: () => void; onApply: (macro: Macro) => void }) {
  const { t } = useTranslation("macroMenu");
  const { t: tc } = useTranslation();
  const { role } = useSession();
  // Named in "Assign to …" steps; the page's assignee control has them cached already.
  const agents = useAgents();
  const describe = useDescribeAction(agents.data);
  const macros = useQuery({
    queryKey: [...workspaceKeys.all, "macros"],
    queryFn: ({ signal }) => client.macros.listMacros({ pageSize: 200 }, { signal }),
    staleTime: 60_000,
    enabled: open,
  });
  const list = macros.data?.macros ?? [];
  return (
    <Dialog open={open} onClose={onClose} title={t("title")} description={t("description")}>
      <div className="min-h-24" aria-live="polite">
        {macros.isError ? (
          <ErrorBanner onRetry={() => void macros.refetch()}>{describeError(macros.error, tc)}</ErrorBanner>
        ) : macros.isPending ? (
          <div className="flex justify-center py-6">
            <Spinner label={tc("app.loading")} />
          </div>
        ) : list.length === 0 ? (
          role === Role.ADMIN ? (
            <p className="py-6 text-center text-sm text-muted">
              {t("noneAdmin")}{" "}
              <Link to="/admin/macros" className="font-medium text-accent hover:underline">
                {t("create")}
              </Link>
            </p>
          ) : (
            <p className="py-6 text-center text-sm text-muted">{t("none")}</p>
          )
        ) : (
          <ul aria-label={t("list")} className="-mx-2 flex max-h-96 flex-col overflow-y-auto">
            {list.map((macro) => (
              <li key={macro.id}>
                <button
                  type="button"
                  className="w-full rounded-md px-2 py-2 text-left hover:bg-subtle focus-visible:bg-subtle"
                  onClick={() => {
                    onApply(macro);
                    onClose();
                  }}
                >
                  <span className="block text-sm font-medium break-words text-fg">{macro.name}</span>
                  {macro.description ? <span className="mt-0.5 block text-xs break-words text-muted">{macro.description}</span> : null}
                  <span className="mt-1 block text-xs text-muted">{macro.actions.map(describe).filter(Boolean).join(" · ")}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
    </Dialog>
  );
}

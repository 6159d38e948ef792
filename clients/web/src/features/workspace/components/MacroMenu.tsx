// The ticket page's macro menu: the macros agents may apply, each with what it will do; picking one
// applies it (the page does, with the ticket's etag). Loaded when the agent first opens it.

import type { Macro, MacroAction } from "@helpdesk/client";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Dialog, ErrorBanner, Spinner } from "@/components";
import { client } from "@/lib/client";
import { describeError } from "@/lib/errors";
import { registerTranslations } from "@/lib/i18n";
import { PRIORITY_NAME, STATUS_NAME } from "@/lib/ticket-names";
import { workspaceKeys } from "../api";

registerTranslations("macroMenu", {
  en: {
    title: "Apply a macro",
    description: "Its steps run together on this ticket; you see the result at once.",
    list: "Macros",
    none: "No macros yet. Administrators create them under Admin.",
    reply: "Reply",
    note: "Internal note",
    status: "Status: {{name}}",
    priority: "Priority: {{name}}",
    addTags: "Add tags: {{tags}}",
    removeTags: "Remove tags: {{tags}}",
    assignMe: "Assign to me",
    assign: "Assign",
    unassign: "Unassign",
  },
  "pt-BR": {
    title: "Aplicar uma macro",
    description: "Os passos rodam juntos neste chamado; você vê o resultado na hora.",
    list: "Macros",
    none: "Ainda não há macros. Administradores as criam em Admin.",
    reply: "Resposta",
    note: "Nota interna",
    status: "Status: {{name}}",
    priority: "Prioridade: {{name}}",
    addTags: "Adicionar etiquetas: {{tags}}",
    removeTags: "Remover etiquetas: {{tags}}",
    assignMe: "Atribuir a mim",
    assign: "Atribuir",
    unassign: "Remover responsável",
  },
});

/** One step of a macro in a few words. */
function useDescribeAction() {
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
        return step.value.assigneeId === "me" ? t("assignMe") : step.value.assigneeId ? t("assign") : t("unassign");
      default:
        return "";
    }
  };
}

export function MacroMenu({ open, onClose, onApply }: { open: boolean; onClose: () => void; onApply: (macro: Macro) => void }) {
  const { t } = useTranslation("macroMenu");
  const { t: tc } = useTranslation();
  const describe = useDescribeAction();
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
          <p className="py-6 text-center text-sm text-muted">{t("none")}</p>
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

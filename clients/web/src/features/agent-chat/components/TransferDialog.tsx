// Hands a chat to another present agent, chosen with their availability and current load (fewest
// chats first, as ListAgents orders them).

import { AgentAvailability, type Chat } from "@helpdesk/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button, Dialog, ErrorBanner, Spinner } from "@/components";
import { storeChat } from "@/lib/chat/queries";
import { client } from "@/lib/client";
import { cx } from "@/lib/cx";
import { describeError } from "@/lib/errors";
import { agentChatKeys, agentsQuery, transferTargets } from "../api/queries";
import { AGENT_CHAT_NAMESPACE } from "../i18n";

export function TransferDialog({ chat, name, onClose }: { chat: Chat; name: string; onClose: () => void }) {
  const { t } = useTranslation(AGENT_CHAT_NAMESPACE);
  const { t: tc } = useTranslation();
  const queryClient = useQueryClient();
  const agents = useQuery(agentsQuery());
  const [choice, setChoice] = useState<string>();
  const targets = transferTargets(agents.data ?? [], chat.agentId);
  const transfer = useMutation({
    mutationFn: (agentId: string) => client.chat.transferChat({ id: chat.id, agentId }),
    onSuccess: (answer) => {
      storeChat(queryClient, answer); // the agent's list hears of it on the queue stream
      void queryClient.invalidateQueries({ queryKey: agentChatKeys.agents });
      onClose();
    },
  });

  return (
    <Dialog
      open
      onClose={onClose}
      title={t("transfer.title")}
      description={t("transfer.description", { name })}
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>
            {t("transfer.cancel")}
          </Button>
          <Button loading={transfer.isPending} disabled={choice === undefined} onClick={() => choice && transfer.mutate(choice)}>
            {transfer.isPending ? t("transfer.submitting") : t("transfer.submit")}
          </Button>
        </>
      }
    >
      {agents.isPending ? (
        <Spinner />
      ) : targets.length === 0 ? (
        <p className="text-sm text-muted">{t("transfer.none")}</p>
      ) : (
        <fieldset>
          <legend className="sr-only">{t("transfer.legend")}</legend>
          <div className="flex max-h-72 flex-col gap-1 overflow-y-auto">
            {targets.map((agent) => (
              <label
                key={agent.id}
                className={cx(
                  "flex cursor-pointer items-center gap-3 rounded-lg border px-3 py-2 text-sm",
                  choice === agent.id ? "border-accent bg-accent-soft" : "border-border hover:bg-subtle",
                )}
              >
                <input
                  type="radio"
                  name={`transfer-${chat.id}`}
                  value={agent.id}
                  checked={choice === agent.id}
                  onChange={() => setChoice(agent.id)}
                  className="accent-accent"
                />
                <span className="min-w-0 flex-1 truncate font-medium text-fg">{agent.displayName}</span>
                <span className="text-xs text-muted">
                  {agent.availability === AgentAvailability.ONLINE ? t("availability.online") : t("availability.away")}
                  {" · "}
                  {t("transfer.load", { count: agent.activeChatCount })}
                </span>
              </label>
            ))}
          </div>
        </fieldset>
      )}
      {agents.isError ? <ErrorBanner className="mt-3">{describeError(agents.error, tc)}</ErrorBanner> : null}
      {transfer.isError ? (
        <ErrorBanner className="mt-3">
          {t("transfer.failed")} {describeError(transfer.error, tc)}
        </ErrorBanner>
      ) : null}
    </Dialog>
  );
}

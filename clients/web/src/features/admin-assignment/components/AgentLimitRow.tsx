import { Code } from "@connectrpc/connect";
import { AgentAvailability, HelpdeskError, type AgentCapacity } from "@helpdesk/client";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Avatar, Badge, Button, TextField } from "@/components";
import { describeError } from "@/lib/errors";
import { useUpdateAgentCapacity } from "../api";
import { parseWhole } from "../model";
import { limitViolation } from "./violations";

type Field = "ticketCapacity" | "chatLimit";

/** One agent: presence and load, and their two limits with a save button of their own. */
export function AgentLimitRow({ capacity, onSaved }: { capacity: AgentCapacity; onSaved: (name: string) => void }) {
  const { t } = useTranslation("adminAssignment");
  const { t: tc } = useTranslation();
  const name = capacity.displayName;
  const [ticketCapacity, setTicketCapacity] = useState(String(capacity.ticketCapacity));
  const [chatLimit, setChatLimit] = useState(String(capacity.chatLimit));
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [failure, setFailure] = useState<string>();
  const update = useUpdateAgentCapacity();
  const id = `agent-${capacity.agentId}`;

  const save = async () => {
    setFailure(undefined);
    const values = { ticketCapacity: parseWhole(ticketCapacity), chatLimit: parseWhole(chatLimit) };
    const found: Partial<Record<Field, string>> = {};
    for (const field of ["ticketCapacity", "chatLimit"] as const) {
      if (Number.isNaN(values[field])) found[field] = t("field.whole");
    }
    setErrors(found);
    const first = (["ticketCapacity", "chatLimit"] as const).find((field) => found[field]);
    if (first) {
      document.getElementById(`${id}-${first}`)?.focus();
      return;
    }
    try {
      await update.mutateAsync({ agentId: capacity.agentId, ...values });
      onSaved(name);
    } catch (error) {
      const problem = HelpdeskError.from(error);
      if (problem.code === Code.InvalidArgument) {
        const placed: Partial<Record<Field, string>> = {};
        for (const [path, description] of Object.entries(problem.fieldViolations)) {
          const field: Field | undefined = path.endsWith("ticket_capacity") ? "ticketCapacity" : path.endsWith("chat_limit") ? "chatLimit" : undefined;
          if (field) placed[field] = limitViolation(description, t, tc);
        }
        setErrors(placed);
        if (Object.keys(placed).length > 0) return;
      }
      setFailure(describeError(problem, tc));
    }
  };

  const online = capacity.availability === AgentAvailability.ONLINE;
  return (
    <li className="flex flex-col gap-3 px-4 py-4 sm:px-5 lg:flex-row lg:items-start lg:gap-4">
      <div className="flex min-w-0 flex-1 items-center gap-3 lg:pt-6">
        <Avatar name={name} tone="soft" className="size-9" />
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2">
            <span className="truncate font-medium text-fg">{name}</span>
            <Badge tone={online ? "success" : "neutral"} dot>
              {t(`availability.${capacity.availability}`)}
            </Badge>
          </div>
          <p className="mt-0.5 text-xs text-muted">{t("load", { tickets: capacity.openTicketCount, chats: capacity.activeChatCount })}</p>
          {failure ? (
            <p role="alert" className="mt-1 text-sm text-danger">
              {failure}
            </p>
          ) : null}
        </div>
      </div>
      <form
        noValidate
        className="grid grid-cols-[1fr_1fr_auto] items-start gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <TextField
          id={`${id}-ticketCapacity`}
          label={t("ticketCapacity")}
          aria-label={t("ticketCapacityOf", { name })}
          inputMode="numeric"
          className="w-full lg:w-28"
          value={ticketCapacity}
          error={errors.ticketCapacity}
          onChange={(event) => setTicketCapacity(event.target.value)}
        />
        <TextField
          id={`${id}-chatLimit`}
          label={t("chatLimit")}
          aria-label={t("chatLimitOf", { name })}
          inputMode="numeric"
          className="w-full lg:w-28"
          value={chatLimit}
          error={errors.chatLimit}
          onChange={(event) => setChatLimit(event.target.value)}
        />
        <div className="pt-[26px]">
          <Button type="submit" variant="secondary" aria-label={t("saveAgentOf", { name })} loading={update.isPending}>
            {t("saveAgent")}
          </Button>
        </div>
      </form>
    </li>
  );
}

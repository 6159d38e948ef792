import type { Ticket } from "@helpdesk/client";
import { useQueryClient } from "@tanstack/react-query";
import { UserCheck } from "lucide-react";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button, ErrorBanner } from "@/components";
import { STATUS_BY_NAME, STATUS_NAMES, type StatusName } from "@/lib/ticket-names";
import { editTicket, useAgents, workspaceKeys, type TicketEdit } from "../api";

const control = "h-8 rounded-lg border border-border-strong bg-surface px-2 text-[13px] text-fg";

/** Actions on the selected tickets: assign (to me or an agent) and change status, each with its own etag. */
export function BulkBar({ tickets, onDone }: { tickets: readonly Ticket[]; onDone: () => void }) {
  const { t } = useTranslation("workspace");
  const queryClient = useQueryClient();
  const agents = useAgents();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<number>();
  const assignId = useId();
  const statusId = useId();

  const apply = async (edit: TicketEdit): Promise<void> => {
    setBusy(true);
    setFailed(undefined);
    const results = await Promise.allSettled(tickets.map((ticket) => editTicket(ticket, edit)));
    setBusy(false);
    void queryClient.invalidateQueries({ queryKey: workspaceKeys.lists });
    void queryClient.invalidateQueries({ queryKey: workspaceKeys.counts });
    const failures = results.filter((result) => result.status === "rejected").length;
    if (failures > 0) setFailed(failures);
    else onDone();
  };

  return (
    <div role="region" aria-label={t("bulk.label")} className="flex flex-col gap-2 rounded-xl border border-accent/30 bg-accent-soft/40 px-3 py-2">
      <div className="flex flex-wrap items-center gap-2">
        <span className="mr-1 text-sm font-medium text-fg" aria-live="polite">
          {t("bulk.selected", { count: tickets.length })}
        </span>
        <Button size="sm" variant="secondary" disabled={busy} onClick={() => void apply({ kind: "assign", assigneeId: "me" })} icon={<UserCheck aria-hidden="true" className="size-3.5" />}>
          {t("bulk.assignMe")}
        </Button>
        <label htmlFor={assignId} className="sr-only">
          {t("bulk.assignTo")}
        </label>
        <select
          id={assignId}
          className={control}
          disabled={busy}
          value=""
          onChange={(event) => {
            const value = event.target.value;
            if (value) void apply({ kind: "assign", assigneeId: value === "none" ? "" : value });
          }}
        >
          <option value="">{t("bulk.assignTo")}</option>
          <option value="none">{t("bulk.unassign")}</option>
          {(agents.data ?? []).map((agent) => (
            <option key={agent.id} value={agent.id}>
              {agent.displayName}
            </option>
          ))}
        </select>
        <label htmlFor={statusId} className="sr-only">
          {t("bulk.setStatus")}
        </label>
        <select
          id={statusId}
          className={control}
          disabled={busy}
          value=""
          onChange={(event) => {
            const value = event.target.value as StatusName | "";
            if (value) void apply({ kind: "status", status: STATUS_BY_NAME[value] });
          }}
        >
          <option value="">{t("bulk.setStatus")}</option>
          {STATUS_NAMES.map((name) => (
            <option key={name} value={name}>
              {t(`status.${name}`)}
            </option>
          ))}
        </select>
        <Button size="sm" variant="ghost" disabled={busy} onClick={onDone} className="ml-auto">
          {t("bulk.clear")}
        </Button>
      </div>
      {failed ? <ErrorBanner>{t("bulk.failed", { count: failed })}</ErrorBanner> : null}
    </div>
  );
}

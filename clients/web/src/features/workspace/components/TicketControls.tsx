import type { Ticket, TicketPriority, TicketStatus } from "@helpdesk/client";
import { UserCheck } from "lucide-react";
import { useId, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Button, Card } from "@/components";
import { CATEGORIES, PRIORITY_BY_NAME, PRIORITY_NAME, PRIORITY_NAMES, STATUS_BY_NAME, STATUS_NAME, STATUS_NAMES, type PriorityName, type StatusName } from "@/lib/ticket-names";
import { useAgents, type TicketEdit } from "../api";

const control = "h-9 w-full rounded-lg border border-border-strong bg-surface px-2.5 text-sm text-fg shadow-xs disabled:opacity-60";

function Row({ label, children }: { label: (id: string) => ReactNode; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="flex flex-col gap-1 py-2">
      {label(id)}
      {children(id)}
    </div>
  );
}

function parseTags(text: string): string[] {
  return [...new Set(text.split(",").map((tag) => tag.trim().toLowerCase()).filter(Boolean))];
}

/** Status, priority, assignee, category and tags, each saved on change with the ticket's etag. */
export function TicketControls({ ticket, busy, onEdit, viewerId }: { ticket: Ticket; busy: boolean; onEdit: (edit: TicketEdit) => void; viewerId: string }) {
  const { t } = useTranslation("workspace");
  const agents = useAgents();
  // The tags being typed: kept across a conflict or a live update (they are the agent's draft).
  const [tags, setTags] = useState<string>();
  const shownTags = tags ?? ticket.tags.join(", ");
  const label = (text: string) => (id: string) => (
    <label htmlFor={id} className="text-xs font-medium text-muted">
      {text}
    </label>
  );
  const saveTags = (): void => {
    if (tags === undefined) return;
    const next = parseTags(tags);
    if (next.join(",") !== ticket.tags.join(",")) onEdit({ kind: "tags", tags: next });
    setTags(undefined);
  };
  const assigneeKnown = ticket.assigneeId === "" || (agents.data ?? []).some((agent) => agent.id === ticket.assigneeId);

  return (
    <Card className="px-4 py-2">
      <h2 className="sr-only">{t("ticket.details")}</h2>
      <Row label={label(t("ticket.status"))}>
        {(id) => (
          <select id={id} className={control} disabled={busy} value={STATUS_NAME[ticket.status] ?? ""} onChange={(event) => onEdit({ kind: "status", status: STATUS_BY_NAME[event.target.value as StatusName] as TicketStatus })}>
            {STATUS_NAMES.map((name) => (
              <option key={name} value={name}>
                {t(`status.${name}`)}
              </option>
            ))}
          </select>
        )}
      </Row>
      <Row label={label(t("ticket.priority"))}>
        {(id) => (
          <select id={id} className={control} disabled={busy} value={PRIORITY_NAME[ticket.priority] ?? ""} onChange={(event) => onEdit({ kind: "priority", priority: PRIORITY_BY_NAME[event.target.value as PriorityName] as TicketPriority })}>
            {PRIORITY_NAMES.map((name) => (
              <option key={name} value={name}>
                {t(`priority.${name}`)}
              </option>
            ))}
          </select>
        )}
      </Row>
      <Row label={label(t("ticket.assignee"))}>
        {(id) => (
          <div className="flex gap-2">
            <select id={id} className={control} disabled={busy} value={ticket.assigneeId} onChange={(event) => onEdit({ kind: "assign", assigneeId: event.target.value })}>
              <option value="">{t("ticket.unassigned")}</option>
              {assigneeKnown ? null : <option value={ticket.assigneeId}>{ticket.assigneeDisplayName}</option>}
              {(agents.data ?? []).map((agent) => (
                <option key={agent.id} value={agent.id}>
                  {agent.displayName}
                </option>
              ))}
            </select>
            {ticket.assigneeId !== viewerId ? (
              <Button size="sm" variant="secondary" className="h-9" disabled={busy} onClick={() => onEdit({ kind: "assign", assigneeId: "me" })} icon={<UserCheck aria-hidden="true" className="size-3.5" />}>
                {t("ticket.assignMe")}
              </Button>
            ) : null}
          </div>
        )}
      </Row>
      <Row label={label(t("ticket.category"))}>
        {(id) => (
          <select id={id} className={control} disabled={busy} value={ticket.category} onChange={(event) => onEdit({ kind: "category", category: event.target.value })}>
            <option value="">{t("category.none")}</option>
            {(CATEGORIES as readonly string[]).includes(ticket.category) || ticket.category === "" ? null : <option value={ticket.category}>{ticket.category}</option>}
            {CATEGORIES.map((name) => (
              <option key={name} value={name}>
                {t(`category.${name}`)}
              </option>
            ))}
          </select>
        )}
      </Row>
      <Row label={label(t("ticket.tags"))}>
        {(id) => (
          <>
            <input
              id={id}
              className={control}
              disabled={busy}
              value={shownTags}
              aria-describedby={`${id}-hint`}
              onChange={(event) => setTags(event.target.value)}
              onBlur={saveTags}
              onKeyDown={(event) => {
                if (event.key === "Enter") {
                  event.preventDefault();
                  saveTags();
                }
              }}
            />
            <p id={`${id}-hint`} className="text-xs text-muted">
              {t("ticket.tagsHint")}
            </p>
          </>
        )}
      </Row>
    </Card>
  );
}

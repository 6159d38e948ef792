"""Applying a macro's actions to a locked ticket inside the caller's unit of work.

Every action goes through the tickets domain's own rules (the transition table with its role
checks, the assignee checks, closed tickets taking no messages) and records its usual event. An
action that fails raises that rule's error, tagged with `action_index`; the caller's transaction
then rolls back, so a macro applies entirely or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from server.core.context import Principal
from server.core.errors import FailedPrecondition, HelpdeskError
from server.core.validation import MAX_TAGS
from server.macros.actions import Action, ActionKind
from server.responses.placeholders import PlaceholderValues, render
from server.sla.bookkeeping import SlaBookkeeping
from server.tickets.conversation import check_accepts_messages
from server.tickets.domain import check_assignee, frees_work, move, reread
from server.tickets.hooks import TicketAssignmentHook
from server.tickets.transitions import Status, check_transition
from server.tickets.validation import MAX_TEXT
from storage.models.tickets import EventType
from storage.repositories.ticket_records import NewEvent, TicketRecord
from storage.unit_of_work import UnitOfWork


async def apply_actions(
    uow: UnitOfWork,
    *,
    principal: Principal,
    ticket: TicketRecord,
    actions: Sequence[Action],
    values: PlaceholderValues,
    note: str,
    sla: SlaBookkeeping | None,
    assignment: TicketAssignmentHook | None,
) -> list[tuple[uuid.UUID, bool]]:
    """Applies `actions` in order; returns the (message id, internal) of each message added.

    `note` is written as the comment of every event, so the audit trail says which macro did it.
    SLA books and automatic assignment are told what the desk's own methods tell them.
    """
    added: list[tuple[uuid.UUID, bool]] = []
    freed: list[bool] = []
    for index, action in enumerate(actions):
        current = await reread(uow, ticket.id)
        try:
            message = await _apply(
                uow, principal=principal, ticket=current, action=action, values=values, note=note, sla=sla, freed=freed
            )
        except HelpdeskError as error:
            error.metadata["action_index"] = str(index)
            raise
        if message is not None:
            added.append((message, action.internal))
    if assignment is not None and freed:
        uow.after_commit(assignment.tickets_freed)
    return added


async def _apply(
    uow: UnitOfWork,
    *,
    principal: Principal,
    ticket: TicketRecord,
    action: Action,
    values: PlaceholderValues,
    note: str,
    sla: SlaBookkeeping | None,
    freed: list[bool],
) -> uuid.UUID | None:
    """One action; the id of the message it added, if any."""
    actor = principal.user_id
    match action.kind:
        case ActionKind.ADD_MESSAGE:
            check_accepts_messages(ticket)
            body = render(action.body, values)
            if len(body) > MAX_TEXT:
                raise FailedPrecondition(
                    f"the message would be longer than {MAX_TEXT} characters once filled", reason="MACRO_NOT_APPLICABLE"
                )
            message_id = uuid.uuid4()
            await uow.tickets.add_message(
                message_id=message_id,
                ticket_id=ticket.id,
                author_id=actor,
                author_role=principal.role.value,
                body=body,
                internal=action.internal,
            )
            kind: EventType = "note_added" if action.internal else "message_added"
            await _record(
                uow, NewEvent(ticket_id=ticket.id, type=kind, actor_id=actor, message_id=message_id, comment=note)
            )
            if sla is not None and not action.internal:
                # As for AddTicketMessage: the first public reply of the staff is the SLA's first response.
                await sla.record_first_response(uow, ticket=ticket)
            return message_id
        case ActionKind.SET_STATUS:
            assert action.status is not None
            source = Status(ticket.status)
            if source is not action.status:
                check_transition(principal.role, source, action.status)
                await move(uow, ticket=ticket, target=action.status, actor_id=actor, comment=note, sla=sla)
                if frees_work(ticket, action.status):
                    freed.append(True)
        case ActionKind.SET_PRIORITY:
            assert action.priority is not None
            if ticket.priority != int(action.priority):
                changes: dict[str, Any] = {"priority": int(action.priority)}
                if sla is not None:
                    # As for UpdateTicket: a new priority may mean another policy and new due times.
                    changes |= await sla.for_new_targets(
                        uow, ticket_id=ticket.id, priority=int(action.priority), category=ticket.category
                    )
                await uow.tickets.update(ticket_id=ticket.id, changes=changes)
                event = NewEvent(
                    ticket_id=ticket.id,
                    type="priority_changed",
                    actor_id=actor,
                    old_priority=ticket.priority,
                    new_priority=int(action.priority),
                    comment=note,
                )
                await _record(uow, event)
        case ActionKind.ADD_TAGS | ActionKind.REMOVE_TAGS:
            present = set(ticket.tags)
            wanted = present | set(action.tags) if action.kind is ActionKind.ADD_TAGS else present - set(action.tags)
            if len(wanted) > MAX_TAGS:
                raise FailedPrecondition(
                    f"the ticket would have more than {MAX_TAGS} tags", reason="MACRO_NOT_APPLICABLE"
                )
            tags = sorted(wanted)
            if tags != sorted(present):
                await uow.tickets.update(ticket_id=ticket.id, changes={"tags": tags})
                event = NewEvent(
                    ticket_id=ticket.id,
                    type="tags_changed",
                    actor_id=actor,
                    added_tags=sorted(set(tags) - present),
                    removed_tags=sorted(present - set(tags)),
                    comment=note,
                )
                await _record(uow, event)
        case ActionKind.SET_ASSIGNEE:
            target = actor if action.assignee == "me" else uuid.UUID(action.assignee) if action.assignee else None
            if target != ticket.assignee_id:
                if target is not None:
                    await check_assignee(uow, user_id=target, field="id")
                await uow.tickets.update(ticket_id=ticket.id, changes={"assignee_id": target})
                if ticket.assignee_id is not None or target is None:
                    # As for AssignTicket: the previous assignee's load dropped, or the ticket is unassigned.
                    freed.append(True)
                event = NewEvent(
                    ticket_id=ticket.id,
                    type="assignee_changed",
                    actor_id=actor,
                    old_assignee_id=ticket.assignee_id,
                    new_assignee_id=target,
                    comment=note,
                )
                await _record(uow, event)
    return None


async def _record(uow: UnitOfWork, event: NewEvent) -> None:
    await uow.tickets.add_events(events=[event])

"""Macros: create (idempotently), read, list, edit, delete (administrators), and apply to a ticket (staff).

Transport-free. Applying is one unit of work: the ticket is locked and its etag checked, every
action runs through the tickets domain's rules (server/macros/apply.py), and the change log gets
the result once, so watchers see a macro as one change (plus one per message it added).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from server.core.context import Principal
from server.core.errors import Aborted, InvalidArgument, NotFound
from server.core.validation import FieldChecks
from server.core.writes import check_version, earlier_create
from server.macros.actions import Action, check_actions
from server.macros.apply import apply_actions
from server.macros.validation import check_description, check_name, parse_macro_id
from server.responses.domain import placeholder_values
from server.sla.bookkeeping import SlaBookkeeping
from server.tickets.changes import ChangeListener, log_change
from server.tickets.domain import check_etag as check_ticket_etag
from server.tickets.domain import load_visible, reread
from server.tickets.hooks import TicketAssignmentHook
from server.tickets.validation import check_request_id, parse_ticket_id
from storage.db import Database
from storage.pagination import decode_page_token, encode_page_token, resolve_page_size
from storage.repositories.macros import MacroRecord
from storage.repositories.ticket_records import MessageRecord, TicketRecord
from storage.unit_of_work import UnitOfWork

CREATE_SCOPE = "helpdesk.v1.MacroService/CreateMacro"
APPLY_SCOPE = "helpdesk.v1.MacroService/ApplyMacro"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
UPDATABLE_FIELDS = ("name", "description", "actions")


@dataclass(frozen=True, slots=True)
class Applied:
    """A ticket after a macro, and the messages the macro added."""

    ticket: TicketRecord
    messages: list[MessageRecord]


def not_found() -> NotFound:
    """The answer for a missing macro."""
    return NotFound("macro not found")


def actions_of(macro: MacroRecord) -> list[Action]:
    """The macro's actions as domain values."""
    return [Action.from_json(data) for data in macro.actions]


async def load(uow: UnitOfWork, *, macro_id: uuid.UUID, lock: bool) -> MacroRecord:
    """The macro (row-locked if `lock`); NotFound otherwise."""
    macro = await (uow.macros.lock(macro_id=macro_id) if lock else uow.macros.get(macro_id=macro_id))
    if macro is None:
        raise not_found()
    return macro


class Macros:
    """Macros over one database."""

    def __init__(
        self,
        *,
        database: Database,
        changes: ChangeListener | None = None,
        sla: SlaBookkeeping | None = None,
        assignment: TicketAssignmentHook | None = None,
    ) -> None:
        self._database = database
        self._changes = changes
        self._sla = sla
        self._assignment = assignment

    async def create(
        self,
        *,
        principal: Principal,
        name: str,
        description: str,
        actions: Sequence[Action | None],
        request_id: str,
    ) -> MacroRecord:
        """Creates a macro; a retry with the same `request_id` returns the first one."""
        checks = FieldChecks()
        clean_name = checks.run(lambda: check_name(name))
        clean_description = checks.run(lambda: check_description(description))
        clean_actions = checks.run(lambda: check_actions(actions))
        key = checks.run(lambda: check_request_id(request_id))
        checks.raise_if_any()
        assert clean_name is not None
        assert clean_description is not None
        assert clean_actions is not None
        scope = f"{CREATE_SCOPE}/{principal.user_id}"
        async with self._database.unit_of_work() as uow:
            macro_id = uuid.uuid4()
            earlier = await earlier_create(
                uow,
                scope=scope,
                request_id=key,
                new_id=macro_id,
                load=lambda i: uow.macros.get(macro_id=i),
                what="macro",
            )
            if earlier is not None:
                return earlier
            await uow.macros.add(
                macro_id=macro_id,
                name=clean_name,
                description=clean_description,
                actions=[a.to_json() for a in clean_actions],
                author_id=principal.user_id,
            )
            return await load(uow, macro_id=macro_id, lock=False)

    async def get(self, *, macro_id: str) -> MacroRecord:
        """One macro."""
        parsed = parse_macro_id(macro_id)
        async with self._database.read_only() as uow:
            return await load(uow, macro_id=parsed, lock=False)

    async def list_page(self, *, page_size: int, page_token: str) -> tuple[list[MacroRecord], str]:
        """A page of macros by name, and the next page's token."""
        size = resolve_page_size(page_size, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
        filters: dict[str, object] = {}
        position = decode_page_token(page_token, filters=filters)
        after = None
        if position is not None:
            try:
                name, row_id = position
                after = (name, uuid.UUID(row_id))
            except ValueError:
                raise InvalidArgument.field("page_token", "is not a page token returned by this method") from None
        async with self._database.read_only() as uow:
            macros = await uow.macros.list_page(after=after, limit=size + 1)
        if len(macros) <= size:
            return macros, ""
        last = macros[size - 1]
        return macros[:size], encode_page_token(position=[last.name, str(last.id)], filters=filters)

    async def update(
        self,
        *,
        principal: Principal,
        macro_id: str,
        paths: Sequence[str],
        name: str,
        description: str,
        actions: Sequence[Action | None],
        etag: str,
    ) -> MacroRecord:
        """Edits the fields named in `paths`."""
        parsed = parse_macro_id(macro_id, field="macro.id")
        checks = FieldChecks()
        names = checks.update_mask(paths, UPDATABLE_FIELDS)
        checks.raise_if_any()
        changes: dict[str, Any] = {}
        if "name" in names:
            changes["name"] = check_name(name)
        if "description" in names:
            changes["description"] = check_description(description)
        if "actions" in names:
            changes["actions"] = [a.to_json() for a in check_actions(actions)]
        async with self._database.unit_of_work() as uow:
            current = await load(uow, macro_id=parsed, lock=True)
            check_version(etag, current.version, what="macro")
            if all(getattr(current, key) == value for key, value in changes.items()):
                return current
            await uow.macros.update(macro_id=parsed, changes=changes, author_id=principal.user_id)
            return await load(uow, macro_id=parsed, lock=False)

    async def delete(self, *, macro_id: str, etag: str) -> None:
        """Deletes a macro."""
        parsed = parse_macro_id(macro_id)
        async with self._database.unit_of_work() as uow:
            current = await load(uow, macro_id=parsed, lock=True)
            check_version(etag, current.version, what="macro")
            await uow.macros.delete(macro_id=parsed)

    async def apply(
        self, *, principal: Principal, macro_id: str, ticket_id: str, etag: str, request_id: str
    ) -> Applied:
        """Applies the macro's actions to the ticket in one transaction (all or nothing)."""
        parsed = parse_macro_id(macro_id)
        ticket_key = parse_ticket_id(ticket_id, field="ticket_id")
        key = check_request_id(request_id)
        scope = f"{APPLY_SCOPE}/{principal.user_id}"
        async with self._database.unit_of_work() as uow:
            ticket = await load_visible(uow, principal=principal, ticket_id=ticket_key, lock=True)
            if key is not None:
                earlier = await _replay(uow, scope=scope, request_id=key, ticket_id=ticket_key, macro_id=parsed)
                if earlier is not None:
                    return earlier
            macro = await load(uow, macro_id=parsed, lock=False)
            check_ticket_etag(etag, ticket)
            values = await placeholder_values(uow, principal=principal, ticket_id=ticket_key)
            added = await apply_actions(
                uow,
                principal=principal,
                ticket=ticket,
                actions=actions_of(macro),
                values=values,
                note=f"Macro: {macro.name}",
                sla=self._sla,
                assignment=self._assignment,
            )
            if key is not None:
                record = ",".join([str(ticket_key), str(parsed), *(str(m) for m, _ in added)])
                if not await uow.idempotency.put(scope=scope, request_id=key, resource_id=record):
                    # Only a call on another ticket can race past the ticket's row lock with this key.
                    raise Aborted("a concurrent call used this request_id; retry", reason="REQUEST_ID_CONFLICT")
            after = await reread(uow, ticket_key)
            if after.version != ticket.version or after.message_count != ticket.message_count:
                await log_change(uow, listener=self._changes, kind="updated", before=ticket, after=after)
            for message_id, internal in added:
                await log_change(
                    uow,
                    listener=self._changes,
                    kind="message_added",
                    before=after,
                    after=after,
                    message_id=message_id,
                    internal=internal,
                )
            return Applied(ticket=after, messages=await _messages(uow, [m for m, _ in added]))


async def _replay(
    uow: UnitOfWork, *, scope: str, request_id: str, ticket_id: uuid.UUID, macro_id: uuid.UUID
) -> Applied | None:
    """What an earlier call with this request id did (None if there was none); REQUEST_ID_REUSED if another."""
    recorded = await uow.idempotency.get(scope=scope, request_id=request_id)
    if recorded is None:
        return None
    first, second, *message_ids = recorded.split(",")
    if (first, second) != (str(ticket_id), str(macro_id)):
        raise InvalidArgument.field("request_id", "was already used for another request", reason="REQUEST_ID_REUSED")
    return Applied(
        ticket=await reread(uow, ticket_id), messages=await _messages(uow, [uuid.UUID(m) for m in message_ids])
    )


async def _messages(uow: UnitOfWork, message_ids: Sequence[uuid.UUID]) -> list[MessageRecord]:
    """The messages, in the given order (any deleted since are left out)."""
    found = [await uow.tickets.get_message(message_id=m) for m in message_ids]
    return [m for m in found if m is not None]

"""The desk's assignment settings and agents' limits: read by staff, changed by administrators.

Transport-free. A change that may let waiting work move (assignment turned on, a limit raised)
hands that work out right after it commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from helpdesk.v1 import assignment_pb2
from server.assignment.chats import ChatAssigner
from server.assignment.convert import capacity_to_proto, settings_to_proto
from server.assignment.online import OnlineAgents
from server.assignment.tickets import TicketAssigner
from server.assignment.validation import (
    MAX_CHAT_LIMIT,
    MAX_TICKET_CAPACITY,
    check_categories,
    check_range,
    parse_agent_id,
)
from server.core.errors import Aborted, InvalidArgument, NotFound, Unavailable
from server.core.validation import FieldChecks
from storage.db import Database
from storage.etags import etag_matches
from storage.models import AssignmentSettings
from storage.pagination import decode_page_token, encode_page_token, resolve_page_size
from storage.redis import RedisUnavailable
from storage.repositories.assignment import CapacityRow
from storage.unit_of_work import UnitOfWork

SETTINGS_FIELDS = (
    "tickets_enabled",
    "ticket_categories",
    "chats_enabled",
    "default_ticket_capacity",
    "default_chat_limit",
)
CAPACITY_FIELDS = ("ticket_capacity", "chat_limit")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class SettingsEdit:
    """New values for UpdateAssignmentSettings; only the fields named in the mask are read."""

    tickets_enabled: bool = False
    ticket_categories: Sequence[str] = ()
    chats_enabled: bool = False
    default_ticket_capacity: int = 0
    default_chat_limit: int = 0


class AssignmentDesk:
    """Settings and limits of automatic assignment."""

    def __init__(
        self, *, database: Database, online: OnlineAgents, tickets: TicketAssigner, chats: ChatAssigner
    ) -> None:
        self._database = database
        self._online = online
        self._tickets = tickets
        self._chats = chats

    async def get_settings(self) -> assignment_pb2.AssignmentSettings:
        """The desk's settings."""
        async with self._database.unit_of_work() as uow:
            return settings_to_proto(await uow.assignment.settings())

    async def update_settings(
        self, *, paths: Sequence[str], edit: SettingsEdit, etag: str
    ) -> assignment_pb2.AssignmentSettings:
        """Changes the fields named in `paths`, then hands out whatever waiting work may now move."""
        checks = FieldChecks()
        names = checks.update_mask(paths, SETTINGS_FIELDS)
        checks.raise_if_any()
        new: dict[str, Any] = {}
        if "tickets_enabled" in names:
            new["tickets_enabled"] = edit.tickets_enabled
        if "chats_enabled" in names:
            new["chats_enabled"] = edit.chats_enabled
        if "ticket_categories" in names:
            new["ticket_categories"] = checks.run(
                lambda: check_categories(edit.ticket_categories, field="settings.ticket_categories")
            )
        if "default_ticket_capacity" in names:
            new["default_ticket_capacity"] = checks.run(
                lambda: check_range(
                    edit.default_ticket_capacity,
                    field="settings.default_ticket_capacity",
                    low=1,
                    high=MAX_TICKET_CAPACITY,
                )
            )
        if "default_chat_limit" in names:
            new["default_chat_limit"] = checks.run(
                lambda: check_range(
                    edit.default_chat_limit, field="settings.default_chat_limit", low=1, high=MAX_CHAT_LIMIT
                )
            )
        checks.raise_if_any()
        async with self._database.unit_of_work() as uow:
            current = await uow.assignment.settings_for_update()
            if etag and not etag_matches(etag, current.version):
                raise Aborted(
                    "the settings were changed since they were read; read them again and retry",
                    reason="ETAG_MISMATCH",
                )
            changes = {name: value for name, value in new.items() if getattr(current, name) != value}
            if not changes:
                return settings_to_proto(current)
            updated = await uow.assignment.update_settings(changes=changes)
            self._after_commit_hand_out(uow)
            return settings_to_proto(updated)

    async def list_capacities(
        self, *, page_size: int, page_token: str
    ) -> tuple[list[assignment_pb2.AgentCapacity], str]:
        """A page of agents' limits and loads by display name, and the next page's token."""
        size = resolve_page_size(page_size, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
        position = decode_page_token(page_token, filters={})
        after = None
        if position is not None:
            try:
                after = (position[0], uuid.UUID(position[1]))
            except (IndexError, ValueError):
                raise InvalidArgument.field("page_token", "is not a page token returned by this method") from None
        async with self._database.unit_of_work() as uow:
            settings = await uow.assignment.settings()
            rows = await uow.assignment.list_capacities(after=after, limit=size + 1)
        page = rows[:size]
        capacities = await self._with_availability(page, settings=settings)
        token = ""
        if len(rows) > size:
            last = page[-1]
            token = encode_page_token(position=[last.display_name, str(last.user_id)], filters={})
        return capacities, token

    async def update_capacity(
        self, *, agent_id: str, paths: Sequence[str], ticket_capacity: int, chat_limit: int
    ) -> assignment_pb2.AgentCapacity:
        """Sets the agent's own limits named in `paths`, then hands out whatever waiting work may now move."""
        checks = FieldChecks()
        user_id = checks.run(lambda: parse_agent_id(agent_id, field="capacity.agent_id"))
        names = checks.update_mask(paths, CAPACITY_FIELDS)
        checks.raise_if_any()
        changes: dict[str, int] = {}
        if "ticket_capacity" in names:
            value = checks.run(
                lambda: check_range(ticket_capacity, field="capacity.ticket_capacity", low=0, high=MAX_TICKET_CAPACITY)
            )
            changes["ticket_capacity"] = ticket_capacity if value is None else value
        if "chat_limit" in names:
            value = checks.run(lambda: check_range(chat_limit, field="capacity.chat_limit", low=0, high=MAX_CHAT_LIMIT))
            changes["chat_limit"] = chat_limit if value is None else value
        checks.raise_if_any()
        assert user_id is not None
        async with self._database.unit_of_work() as uow:
            if await uow.assignment.get_capacity(user_id=user_id) is None:
                raise NotFound("no active agent or administrator has this id")
            await uow.assignment.set_limits(user_id=user_id, changes=changes)
            self._after_commit_hand_out(uow)
        return await self._reread_capacity(user_id)

    async def _reread_capacity(self, user_id: uuid.UUID) -> assignment_pb2.AgentCapacity:
        # After the hand-out, so that the answer shows the load the change led to.
        async with self._database.unit_of_work() as uow:
            settings = await uow.assignment.settings()
            row = await uow.assignment.get_capacity(user_id=user_id)
        if row is None:
            raise NotFound("no active agent or administrator has this id")
        return (await self._with_availability([row], settings=settings))[0]

    async def _with_availability(
        self, rows: Sequence[CapacityRow], *, settings: AssignmentSettings
    ) -> list[assignment_pb2.AgentCapacity]:
        try:
            stored = await self._online.availability([row.user_id for row in rows]) if rows else []
        except RedisUnavailable as exc:
            # Fail closed: without Redis every agent would wrongly show as OFFLINE.
            raise Unavailable("presence cannot be read right now; retry") from exc
        return [
            capacity_to_proto(row, settings=settings, availability=value)
            for row, value in zip(rows, stored, strict=True)
        ]

    def _after_commit_hand_out(self, uow: UnitOfWork) -> None:
        uow.after_commit(self._tickets.tickets_freed)
        uow.after_commit(self._chats.chats_freed)

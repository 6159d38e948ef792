"""Reads and writes of automatic assignment: settings, agents' limits and turns, loads, work waiting.

Every automatic assignment runs under one of two transaction-scoped advisory locks (tickets,
chats), taken before the agents' loads and turns are read: assignments are decided one at a time
across every server replica, each seeing the ones committed before it, which is what keeps the
round robin fair and the limits kept under concurrency.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.roles import Role
from storage.db import ReadConnection
from storage.models import AssignmentAgent, AssignmentSettings, Chat, ChatState, Ticket, User
from storage.models.assignment import ASSIGNMENT_TURN_SEQUENCE
from storage.repositories.ticket_records import TicketRecord, select_tickets

# Keys of the advisory locks that serialise automatic assignment ("helpdesk" tickets / chats).
TICKETS_LOCK = 0x68_64_6B_01
CHATS_LOCK = 0x68_64_6B_02
# Tickets that count against an agent's capacity.
OPEN_TICKET_STATUSES = ("open", "in_progress", "waiting_on_customer")
# Unassigned tickets automatic assignment takes (the agents' queue).
ASSIGNABLE_TICKET_STATUSES = ("open", "in_progress")


@dataclass(slots=True)
class Candidate:
    """An active agent or administrator, their limit, their load now and the turn of their last assignment."""

    user_id: uuid.UUID
    limit: int
    load: int
    last_turn: int


@dataclass(frozen=True, slots=True)
class CapacityRow:
    """An active agent or administrator with their own limits (None: the default) and loads."""

    user_id: uuid.UUID
    display_name: str
    ticket_capacity: int | None
    chat_limit: int | None
    open_ticket_count: int
    active_chat_count: int


@dataclass(frozen=True, slots=True)
class TicketSettings:
    """What decides whether a new ticket is assigned automatically, with the row's stamp (its xmin)."""

    tickets_enabled: bool
    ticket_categories: Sequence[str]
    stamp: str


# True while the settings row is still the one stamped :assignment_stamp (any update changes xmin).
TICKET_SETTINGS_GUARD = "(SELECT xmin::text FROM assignment_settings WHERE id = 1) = :assignment_stamp"


async def stamped_ticket_settings(connection: ReadConnection) -> TicketSettings:
    """The ticket half of the settings with its stamp (kept in process, checked by `TICKET_SETTINGS_GUARD`)."""
    row = cast(
        "Sequence[Any] | None",
        await connection.fetchrow(
            "SELECT tickets_enabled, ticket_categories, xmin::text FROM assignment_settings WHERE id = 1"
        ),
    )
    if row is None:
        raise LookupError("the assignment settings row is missing")
    return TicketSettings(row[0], tuple(row[1]), row[2])


def _staff() -> ColumnElement[bool]:
    return and_(User.active, or_(User.role == Role.AGENT, User.role == Role.ADMIN))


def _open_tickets(user: Any) -> Any:
    return (
        select(func.count())
        .where(Ticket.assignee_id == user, Ticket.status.in_(OPEN_TICKET_STATUSES))
        .scalar_subquery()
    )


def _active_chats(user: Any) -> Any:
    return select(func.count()).where(Chat.agent_id == user, Chat.status == ChatState.ACTIVE).scalar_subquery()


class AssignmentRepository:
    """Settings, limits, turns and the work automatic assignment hands out. Never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- settings and limits -----------------------------------------------------------------

    async def settings(self) -> AssignmentSettings:
        """The desk's settings (fresh from the database)."""
        statement = select(AssignmentSettings).where(AssignmentSettings.id == 1)
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one()

    async def settings_for_update(self) -> AssignmentSettings:
        """The desk's settings, row-locked until commit."""
        statement = select(AssignmentSettings).where(AssignmentSettings.id == 1).with_for_update()
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one()

    async def update_settings(self, *, changes: Mapping[str, Any]) -> AssignmentSettings:
        """Sets `changes` (column -> value), bumping the version."""
        statement = (
            update(AssignmentSettings)
            .where(AssignmentSettings.id == 1)
            .values(**changes, version=AssignmentSettings.version + 1, update_time=func.now())
            .returning(AssignmentSettings)
        )
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one()

    async def staff_ids(self) -> list[uuid.UUID]:
        """Every active agent and administrator."""
        return list(await self._session.scalars(select(User.id).where(_staff())))

    def _capacities(self) -> Select[Any]:
        return (
            select(
                User.id,
                User.display_name,
                AssignmentAgent.ticket_capacity,
                AssignmentAgent.chat_limit,
                _open_tickets(User.id),
                _active_chats(User.id),
            )
            .outerjoin(AssignmentAgent, AssignmentAgent.user_id == User.id)
            .where(_staff())
        )

    async def list_capacities(self, *, after: tuple[str, uuid.UUID] | None, limit: int) -> list[CapacityRow]:
        """Up to `limit` active agents and administrators by (display name, id), after the keyset `after`."""
        statement = self._capacities()
        if after is not None:
            statement = statement.where(
                or_(User.display_name > after[0], and_(User.display_name == after[0], User.id > after[1]))
            )
        rows = await self._session.execute(statement.order_by(User.display_name, User.id).limit(limit))
        return [CapacityRow(*row) for row in rows]

    async def get_capacity(self, *, user_id: uuid.UUID) -> CapacityRow | None:
        """One active agent's or administrator's limits and loads."""
        row = (await self._session.execute(self._capacities().where(User.id == user_id))).one_or_none()
        return None if row is None else CapacityRow(*row)

    async def set_limits(self, *, user_id: uuid.UUID, changes: Mapping[str, int]) -> None:
        """Sets the agent's own `ticket_capacity` and/or `chat_limit`."""
        statement = (
            insert(AssignmentAgent)
            .values(user_id=user_id, **changes)
            .on_conflict_do_update(index_elements=[AssignmentAgent.user_id], set_=dict(changes))
        )
        await self._session.execute(statement)

    # --- the round robin ---------------------------------------------------------------------

    async def lock_tickets(self) -> None:
        """Waits for (then holds, until the transaction ends) the right to assign tickets."""
        await self._session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TICKETS_LOCK})

    async def lock_chats(self) -> None:
        """Waits for (then holds, until the transaction ends) the right to assign chats."""
        await self._session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHATS_LOCK})

    async def ticket_candidates(self, *, user_ids: Sequence[uuid.UUID], default_limit: int) -> list[Candidate]:
        """Active staff among `user_ids` with their ticket capacity, open tickets and last ticket turn."""
        return await self._candidates(
            user_ids=user_ids,
            limit=func.coalesce(AssignmentAgent.ticket_capacity, default_limit),
            load=_open_tickets(User.id),
            turn=func.coalesce(AssignmentAgent.last_ticket_turn, 0),
        )

    async def chat_candidates(self, *, user_ids: Sequence[uuid.UUID], default_limit: int) -> list[Candidate]:
        """Active staff among `user_ids` with their chat limit, ACTIVE chats and last chat turn."""
        return await self._candidates(
            user_ids=user_ids,
            limit=func.coalesce(AssignmentAgent.chat_limit, default_limit),
            load=_active_chats(User.id),
            turn=func.coalesce(AssignmentAgent.last_chat_turn, 0),
        )

    async def _candidates(self, *, user_ids: Sequence[uuid.UUID], limit: Any, load: Any, turn: Any) -> list[Candidate]:
        if not user_ids:
            return []
        statement = (
            select(User.id, limit, load, turn)
            .outerjoin(AssignmentAgent, AssignmentAgent.user_id == User.id)
            .where(User.id.in_(list(user_ids)), _staff())
        )
        return [Candidate(*row) for row in await self._session.execute(statement)]

    async def take_ticket_turn(self, *, user_id: uuid.UUID) -> int:
        """Records that the agent just got an automatic ticket; the turn it took."""
        return await self._take_turn(user_id=user_id, column="last_ticket_turn")

    async def take_chat_turn(self, *, user_id: uuid.UUID) -> int:
        """Records that the agent just got an automatic chat; the turn it took."""
        return await self._take_turn(user_id=user_id, column="last_chat_turn")

    async def _take_turn(self, *, user_id: uuid.UUID, column: str) -> int:
        turn = int((await self._session.execute(select(ASSIGNMENT_TURN_SEQUENCE.next_value()))).scalar_one())
        statement = (
            insert(AssignmentAgent)
            .values(user_id=user_id, **{column: turn})
            .on_conflict_do_update(index_elements=[AssignmentAgent.user_id], set_={column: turn})
        )
        await self._session.execute(statement)
        return turn

    # --- work waiting ------------------------------------------------------------------------

    async def claim_unassigned_tickets(
        self, *, every_category: bool, categories: Sequence[str], limit: int
    ) -> list[TicketRecord]:
        """Up to `limit` unassigned OPEN/IN_PROGRESS tickets of the categories, most urgent then oldest, row-locked.

        Tickets someone is changing right now are skipped (SKIP LOCKED): they come next time.
        """
        statement = select_tickets().where(Ticket.assignee_id.is_(None), Ticket.status.in_(ASSIGNABLE_TICKET_STATUSES))
        if not every_category:
            statement = statement.where(Ticket.category.in_(list(categories)))
        statement = (
            statement.order_by(Ticket.priority.desc(), Ticket.create_time, Ticket.id)
            .limit(limit)
            .with_for_update(of=Ticket.__table__, key_share=True, skip_locked=True)
        )
        return [TicketRecord._make(row) for row in await self._session.execute(statement)]

    async def waiting_chat_ids(self, *, limit: int) -> list[uuid.UUID]:
        """Up to `limit` WAITING chats, longest-waiting first."""
        statement = (
            select(Chat.id).where(Chat.status == ChatState.WAITING).order_by(Chat.create_time, Chat.id).limit(limit)
        )
        return list(await self._session.scalars(statement))

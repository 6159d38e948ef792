"""Reads and writes of `sla_policies`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, NamedTuple

from sqlalchemy import Text, bindparam, delete, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SlaPolicy

_UNIQUE_VIOLATION = "23505"


class PolicyTargets(NamedTuple):
    """What ticket bookkeeping reads of a policy (a plain row: it is read on every ticket create)."""

    id: uuid.UUID
    version: int
    first_response_seconds: int
    resolution_seconds: int
    warning_seconds: int
    business_hours: dict[str, Any] | None


_SELECT_TARGETS = select(*(getattr(SlaPolicy, name) for name in PolicyTargets._fields))
# Built once: every ticket opened or re-prioritised runs it.
_MATCHING = (
    _SELECT_TARGETS.where(
        SlaPolicy.priority == bindparam("priority"),
        SlaPolicy.category.in_([bindparam("category", type_=Text), literal("")]),
    )
    .order_by(SlaPolicy.category.desc())
    .limit(1)
)


class SlaPolicyRepository:
    """SLA policies; one per (priority, category). Validation is the domain's job."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, *, policy_id: uuid.UUID, values: Mapping[str, Any]) -> SlaPolicy | None:
        """Inserts a policy; None if one with the same priority and category exists."""
        statement = (
            insert(SlaPolicy)
            .values(id=policy_id, **values)
            .on_conflict_do_nothing(index_elements=[SlaPolicy.priority, SlaPolicy.category])
            .returning(SlaPolicy)
        )
        return (await self._session.scalars(statement)).one_or_none()

    async def get(self, *, policy_id: uuid.UUID, lock: bool = False) -> SlaPolicy | None:
        """One policy (row-locked until commit if `lock`)."""
        statement = select(SlaPolicy).where(SlaPolicy.id == policy_id)
        if lock:
            statement = statement.with_for_update()
        return (await self._session.scalars(statement.execution_options(populate_existing=True))).one_or_none()

    async def list_page(self, *, offset: int, limit: int) -> list[SlaPolicy]:
        """Policies by priority (most urgent first), then category, then id."""
        statement = (
            select(SlaPolicy)
            .order_by(SlaPolicy.priority.desc(), SlaPolicy.category, SlaPolicy.id)
            .offset(offset)
            .limit(limit)
        )
        return list(await self._session.scalars(statement))

    async def update(self, *, policy_id: uuid.UUID, changes: Mapping[str, Any]) -> SlaPolicy | None:
        """Applies `changes`, bumping version and update_time; None if another policy has the new priority/category."""
        statement = (
            update(SlaPolicy)
            .where(SlaPolicy.id == policy_id)
            .values(**changes, version=SlaPolicy.version + 1, update_time=func.now())
            .returning(SlaPolicy)
            .execution_options(populate_existing=True)
        )
        try:
            async with self._session.begin_nested():
                return (await self._session.scalars(statement)).one()
        except IntegrityError as exc:
            if getattr(exc.orig, "sqlstate", None) == _UNIQUE_VIOLATION:
                return None
            raise

    async def delete(self, *, policy_id: uuid.UUID) -> bool:
        """Deletes the policy (tickets keep their due times); False if it was gone."""
        result = await self._session.execute(delete(SlaPolicy).where(SlaPolicy.id == policy_id).returning(SlaPolicy.id))
        return result.one_or_none() is not None

    async def matching(self, *, priority: int, category: str) -> PolicyTargets | None:
        """The targets for a ticket: of its priority and category, else of its priority and the empty category."""
        parameters = {"priority": priority, "category": category}
        row = (await self._session.execute(_MATCHING, parameters)).one_or_none()
        return None if row is None else PolicyTargets._make(row)

    async def targets(self, *, policy_id: uuid.UUID) -> PolicyTargets | None:
        """The targets of one policy, if it still exists."""
        row = (await self._session.execute(_SELECT_TARGETS.where(SlaPolicy.id == policy_id))).one_or_none()
        return None if row is None else PolicyTargets._make(row)

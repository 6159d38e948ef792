"""Reads and writes of `sla_policies`."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import Text, bindparam, delete, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import ReadConnection
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


class StampedPolicy(NamedTuple):
    """A policy's key and targets with its stamp: `id:xmin`, which any change of the row (or a new row) changes."""

    priority: int
    category: str
    stamp: str
    targets: PolicyTargets


_STAMPED = """
    SELECT priority, category, id::text || ':' || xmin::text, id, version, first_response_seconds,
           resolution_seconds, warning_seconds, business_hours::text
    FROM sla_policies
"""

# True while the policies a ticket of (:priority, :category) would get are still those stamped
# :sla_stamp (`matching_stamp`): the same rows, none changed since, none added. One index probe.
MATCHING_STAMP_GUARD = """
    (SELECT coalesce(string_agg(id::text || ':' || xmin::text, ',' ORDER BY category = ''), '')
     FROM sla_policies WHERE priority = :priority AND category IN (:category, '')) = :sla_stamp
"""


async def stamped_policies(connection: ReadConnection) -> list[StampedPolicy]:
    """Every policy with its stamp (a handful of rows: kept in process, checked by `MATCHING_STAMP_GUARD`)."""
    rows = cast("Sequence[Sequence[Any]]", await connection.fetch(_STAMPED))
    return [
        StampedPolicy(
            priority,
            category,
            stamp,
            PolicyTargets(policy_id, version, first, resolution, warning, None if hours is None else json.loads(hours)),
        )
        for priority, category, stamp, policy_id, version, first, resolution, warning, hours in rows
    ]


def matching_stamp(policies: Mapping[tuple[int, str], StampedPolicy], *, priority: int, category: str) -> str:
    """What `MATCHING_STAMP_GUARD` reads for (priority, category) while `policies` are current."""
    keys = [(priority, category), (priority, "")] if category else [(priority, "")]
    return ",".join(policies[key].stamp for key in keys if key in policies)


def matching_policy(
    policies: Mapping[tuple[int, str], StampedPolicy], *, priority: int, category: str
) -> PolicyTargets | None:
    """`SlaPolicyRepository.matching` over kept policies: of the priority and category, else of the empty category."""
    found = policies.get((priority, category)) or policies.get((priority, ""))
    return None if found is None else found.targets


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

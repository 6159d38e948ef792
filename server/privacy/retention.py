"""Retention: administrators set how long closed tickets and ended chats are kept; a job deletes what is past it.

Off by default (both periods 0). The job runs on every replica every `retention_interval_seconds`,
but only one at a time does work: it holds a lease on the policy row, renewed in each batch's own
transaction and given back at the end; a replica that dies mid-pass leaves the lease to expire
and the next pass (on any replica) carries on with what is left, since progress is simply what has
been deleted. Each batch deletes at most `batch_size` rows in one short transaction, skipping rows
someone holds locked, and the job pauses between batches, so normal traffic never waits on it.
The cutoff comes from an injectable clock (tests move time forward instead of waiting days).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from server.core.context import Principal
from server.core.errors import Aborted
from server.core.validation import FieldChecks
from server.tickets.changes import ChangeListener
from storage.db import Database
from storage.etags import etag_matches
from storage.models import RetentionPolicyRow
from storage.models.retention import MAX_RETENTION_DAYS

_log = logging.getLogger(__name__)

UPDATABLE_FIELDS = ("closed_ticket_days", "ended_chat_days")
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time (UTC)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RetentionPass:
    """What one pass of the job deleted."""

    deleted_tickets: int
    deleted_chats: int


class RetentionPolicies:
    """Reading and changing the policy (administrators only, by the access rule)."""

    def __init__(self, *, database: Database) -> None:
        self._database = database

    async def get(self) -> RetentionPolicyRow:
        """The policy and the job's last pass."""
        async with self._database.unit_of_work() as uow:
            return await uow.retention.get_policy()

    async def update(
        self,
        *,
        principal: Principal,
        paths: list[str],
        closed_ticket_days: int,
        ended_chat_days: int,
        etag: str,
    ) -> RetentionPolicyRow:
        """Sets the periods named in `paths`; a stale `etag` is Aborted."""
        checks = FieldChecks()
        named = checks.update_mask(paths, UPDATABLE_FIELDS)
        for field, value in (("closed_ticket_days", closed_ticket_days), ("ended_chat_days", ended_chat_days)):
            if field in named and not 0 <= value <= MAX_RETENTION_DAYS:
                checks.add(f"retention_policy.{field}", f"must be 0 (keep forever) to {MAX_RETENTION_DAYS} days")
        checks.raise_if_any()
        async with self._database.unit_of_work() as uow:
            policy = await uow.retention.lock_policy()
            if etag and not etag_matches(etag, policy.version):
                raise Aborted("the policy was changed since it was read; read it again", reason="ETAG_MISMATCH")
            if not named:
                return policy
            updated = await uow.retention.set_periods(
                closed_ticket_days=closed_ticket_days if "closed_ticket_days" in named else None,
                ended_chat_days=ended_chat_days if "ended_chat_days" in named else None,
                actor_id=principal.user_id,
            )
        _log.info(
            "retention policy set by %s: closed tickets %d days, ended chats %d days",
            principal.user_id,
            updated.closed_ticket_days,
            updated.ended_chat_days,
        )
        return updated


class RetentionJob:
    """Deletes closed tickets and ended chats past their period, one pass at a time across replicas."""

    def __init__(
        self,
        *,
        database: Database,
        changes: ChangeListener | None,
        clock: Clock = system_clock,
        batch_size: int = 500,
        lease: timedelta = timedelta(seconds=60),
        pause_seconds: float = 0.05,
        holder: str | None = None,
    ) -> None:
        self._database = database
        self._changes = changes
        self._clock = clock
        self._batch_size = batch_size
        self._lease = lease
        self._pause_seconds = pause_seconds
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> RetentionPass | None:
        """One pass; None if another process holds the job's lease (or took it over midway)."""
        async with self._database.unit_of_work() as uow:
            policy = await uow.retention.take_lease(holder=self.holder, lease=self._lease)
        if policy is None:
            return None
        now = self._clock()
        deleted_tickets = deleted_chats = 0
        if policy.closed_ticket_days:
            deleted = await self._batches(cutoff=now - timedelta(days=policy.closed_ticket_days), tickets=True)
            if deleted is None:
                return None
            deleted_tickets = deleted
        if policy.ended_chat_days:
            deleted = await self._batches(cutoff=now - timedelta(days=policy.ended_chat_days), tickets=False)
            if deleted is None:
                return None
            deleted_chats = deleted
        async with self._database.unit_of_work() as uow:
            await uow.retention.finish_run(
                holder=self.holder, deleted_tickets=deleted_tickets, deleted_chats=deleted_chats
            )
        if deleted_tickets or deleted_chats:
            _log.info("retention: deleted %d closed tickets and %d ended chats", deleted_tickets, deleted_chats)
        return RetentionPass(deleted_tickets=deleted_tickets, deleted_chats=deleted_chats)

    async def _batches(self, *, cutoff: datetime, tickets: bool) -> int | None:
        """Deletes in batches until a batch comes back short; None if the lease was lost."""
        total = 0
        while True:
            async with self._database.unit_of_work() as uow:
                if await uow.retention.take_lease(holder=self.holder, lease=self._lease) is None:
                    return None
                if tickets:
                    positions = await uow.retention.delete_closed_tickets(cutoff=cutoff, limit=self._batch_size)
                    count = len(positions)
                    if positions and self._changes is not None:
                        uow.after_commit(functools.partial(self._changes.committed, max(positions)))
                else:
                    count, unlinked = await uow.retention.delete_ended_chats(cutoff=cutoff, limit=self._batch_size)
                    if unlinked and self._changes is not None:
                        # The tickets made from these chats no longer name them (each with a new version).
                        uow.after_commit(functools.partial(self._changes.tickets_changed, unlinked))
            total += count
            if count < self._batch_size:
                return total
            # Room for everyone else between batches.
            await asyncio.sleep(self._pause_seconds)

    def start(self, *, interval_seconds: float) -> None:
        """Runs a pass every `interval_seconds` in the background until `stop`."""
        self._task = asyncio.create_task(self._run_forever(interval_seconds), name="retention-job")

    async def stop(self) -> None:
        """Stops the background passes (a batch in flight is rolled back and done again later)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run_forever(self, interval_seconds: float) -> None:
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                await self.run_once()
            except Exception:  # noqa: BLE001 - the next pass retries; one failure must not stop the job
                _log.exception("retention pass failed; the next one carries on")

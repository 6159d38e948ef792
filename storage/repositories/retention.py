"""The retention policy row, the job's lease, and the batched deletions of expired tickets and chats.

Each batch is one short transaction: it picks the oldest expired rows (`FOR UPDATE SKIP LOCKED`,
so a ticket someone is editing right now is simply left for the next batch, and nobody waits on
the job), deletes them (their messages and events go with them by cascade) and, for tickets,
appends one `deleted` change per ticket to the change log in a single statement, so that open
ticket views drop them. A batch that fails or is interrupted leaves nothing half done.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RetentionPolicyRow

# The oldest expired closed tickets, deleted, and their deletions logged at the positions that follow
# the log's last one (its row lock is held to commit, as every logged change does).
_DELETE_CLOSED_TICKETS = text(
    """
    WITH doomed AS (
        SELECT id FROM tickets
        WHERE status = 'closed' AND close_time < :cutoff
        ORDER BY close_time, id
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM tickets AS t USING doomed WHERE t.id = doomed.id
        RETURNING t.id, t.customer_id, t.status, t.priority, t.assignee_id, t.category, t.tags,
                  t.first_response_sla = 2 OR t.resolution_sla = 2 AS sla_breached
    ), slot AS (
        UPDATE ticket_change_log SET last_position = last_position + (SELECT count(*) FROM gone)
        WHERE id = 1 AND EXISTS (SELECT 1 FROM gone)
        RETURNING last_position
    )
    INSERT INTO ticket_changes (position, ticket_id, kind, customer_id, old_status, old_priority,
                                old_assignee_id, old_category, old_tags, old_sla_breached)
    SELECT slot.last_position - (SELECT count(*) FROM gone) + row_number() OVER (ORDER BY gone.id),
           gone.id, 'deleted', gone.customer_id, gone.status, gone.priority, gone.assignee_id,
           gone.category, gone.tags, gone.sla_breached
    FROM gone, slot
    RETURNING position
    """
)

# The oldest ended chats, deleted; the tickets made from them lose their link (`source_chat_id`) in the
# same statement, with a new version: the foreign key's ON DELETE SET NULL would clear it without one, and
# a ticket's version (its etag) is what says a reply of it changed.
_DELETE_ENDED_CHATS = text(
    """
    WITH doomed AS (
        SELECT id FROM chats
        WHERE status = 'ended' AND end_time < :cutoff
        ORDER BY end_time, id
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    ), unlinked AS (
        UPDATE tickets AS t SET source_chat_id = NULL, version = t.version + 1
        FROM doomed WHERE t.source_chat_id = doomed.id
        RETURNING t.id
    ), gone AS (
        DELETE FROM chats AS c USING doomed WHERE c.id = doomed.id RETURNING c.id
    )
    SELECT (SELECT count(*) FROM gone) AS deleted, ARRAY(SELECT id FROM unlinked) AS unlinked
    """
)


class RetentionRepository:
    """The policy and the job's writes; when to run and how much is the domain's business."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_policy(self) -> RetentionPolicyRow:
        """The policy row (created by the migration)."""
        return (await self._session.scalars(select(RetentionPolicyRow).where(RetentionPolicyRow.id == 1))).one()

    async def lock_policy(self) -> RetentionPolicyRow:
        """The policy row, locked until commit (for an update)."""
        statement = select(RetentionPolicyRow).where(RetentionPolicyRow.id == 1).with_for_update()
        return (await self._session.scalars(statement)).one()

    async def set_periods(
        self, *, closed_ticket_days: int | None, ended_chat_days: int | None, actor_id: uuid.UUID
    ) -> RetentionPolicyRow:
        """Sets the periods given (None: unchanged) and bumps the version."""
        values: dict[str, object] = {
            "update_time": func.now(),
            "updated_by_id": actor_id,
            "version": RetentionPolicyRow.version + 1,
        }
        if closed_ticket_days is not None:
            values["closed_ticket_days"] = closed_ticket_days
        if ended_chat_days is not None:
            values["ended_chat_days"] = ended_chat_days
        statement = (
            update(RetentionPolicyRow).where(RetentionPolicyRow.id == 1).values(**values).returning(RetentionPolicyRow)
        )
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one()

    async def take_lease(self, *, holder: str, lease: timedelta) -> RetentionPolicyRow | None:
        """Takes (or renews) the job's lease for `holder`; None while another holder's lease lasts."""
        statement = (
            update(RetentionPolicyRow)
            .where(
                RetentionPolicyRow.id == 1,
                (RetentionPolicyRow.job_holder.is_(None))
                | (RetentionPolicyRow.job_holder == holder)
                | (RetentionPolicyRow.job_lease_until < func.clock_timestamp()),
            )
            .values(job_holder=holder, job_lease_until=func.clock_timestamp() + lease)
            .returning(RetentionPolicyRow)
        )
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one_or_none()

    async def finish_run(self, *, holder: str, deleted_tickets: int, deleted_chats: int) -> bool:
        """Records the pass and gives the lease back; False if `holder` no longer held it."""
        statement = (
            update(RetentionPolicyRow)
            .where(RetentionPolicyRow.id == 1, RetentionPolicyRow.job_holder == holder)
            .values(
                job_holder=None,
                job_lease_until=None,
                last_run_time=func.clock_timestamp(),
                last_run_deleted_tickets=deleted_tickets,
                last_run_deleted_chats=deleted_chats,
            )
            .returning(RetentionPolicyRow.id)
        )
        return (await self._session.scalars(statement)).one_or_none() is not None

    async def delete_closed_tickets(self, *, cutoff: datetime, limit: int) -> list[int]:
        """Deletes up to `limit` tickets closed before `cutoff`; returns the change-log positions of the deletions."""
        result = await self._session.execute(_DELETE_CLOSED_TICKETS, {"cutoff": cutoff, "limit": limit})
        return [int(row[0]) for row in result]

    async def delete_ended_chats(self, *, cutoff: datetime, limit: int) -> tuple[int, list[uuid.UUID]]:
        """Deletes up to `limit` chats ended before `cutoff`: how many, and the tickets made from them."""
        row = (await self._session.execute(_DELETE_ENDED_CHATS, {"cutoff": cutoff, "limit": limit})).one()
        return int(row.deleted), list(row.unlinked)

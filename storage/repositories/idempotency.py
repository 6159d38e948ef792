"""Reads and writes of `idempotency_keys`."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import IdempotencyKey

# Built once: every create with a request id runs it, and building an INSERT costs more than running it.
_PUT = (
    insert(IdempotencyKey)
    .values(scope=bindparam("scope"), request_id=bindparam("request_id"), resource_id=bindparam("resource_id"))
    .on_conflict_do_nothing(index_elements=[IdempotencyKey.scope, IdempotencyKey.request_id])
    .returning(IdempotencyKey.request_id)
)


class IdempotencyRepository:
    """Which resource a create with a given request id produced, per scope (e.g. an RPC name)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, *, scope: str, request_id: str) -> str | None:
        """The resource id recorded for this request id, if any."""
        statement = select(IdempotencyKey.resource_id).where(
            IdempotencyKey.scope == scope, IdempotencyKey.request_id == request_id
        )
        return (await self._session.scalars(statement)).one_or_none()

    async def put(self, *, scope: str, request_id: str, resource_id: str) -> bool:
        """Records the request id; False if it was already recorded (then `get` gives the winner).

        A concurrent transaction holding the same key makes this wait for its outcome, so two
        concurrent duplicates can never both create a resource.
        """
        parameters = {"scope": scope, "request_id": request_id, "resource_id": resource_id}
        return (await self._session.execute(_PUT, parameters)).first() is not None

    async def earlier(self, *, scope: str, request_id: str | None, resource_id: str) -> str | None:
        """Claims the request id for `resource_id`; the earlier request's resource id if it had it already.

        None means "go ahead and create `resource_id`" (and so does a request without an id).
        """
        if request_id is None or await self.put(scope=scope, request_id=request_id, resource_id=resource_id):
            return None
        return await self.get(scope=scope, request_id=request_id)

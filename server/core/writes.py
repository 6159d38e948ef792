"""Checks every write of a versioned, idempotently created resource makes: its etag and its request id."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from server.core.errors import Aborted, NotFound
from storage.etags import etag_matches
from storage.unit_of_work import UnitOfWork

_T = TypeVar("_T")


def check_version(etag: str, version: int, *, what: str) -> None:
    """Aborted (ETAG_MISMATCH) if a non-empty `etag` is not the etag of `version` of the `what`."""
    if etag and not etag_matches(etag, version):
        raise Aborted(f"the {what} was changed since it was read; read it again and retry", reason="ETAG_MISMATCH")


async def earlier_create(
    uow: UnitOfWork,
    *,
    scope: str,
    request_id: str | None,
    new_id: uuid.UUID,
    load: Callable[[uuid.UUID], Awaitable[_T | None]],
    what: str,
) -> _T | None:
    """Claims `request_id` for `new_id`; if an earlier create claimed it first, what that create made.

    None means: go on and create `new_id`. A concurrent duplicate waits for the first to commit.
    """
    if request_id is None or await uow.idempotency.put(scope=scope, request_id=request_id, resource_id=str(new_id)):
        return None
    winner = await uow.idempotency.get(scope=scope, request_id=request_id)
    earlier = None if winner is None else await load(uuid.UUID(winner))
    if earlier is None:
        raise NotFound(f"the {what} created with this request_id was deleted")
    return earlier

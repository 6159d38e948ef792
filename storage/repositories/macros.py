"""Reads and writes of `macros`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, literal, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import func

from storage.etags import etag_for_version
from storage.models import Macro


class MacroRecord(NamedTuple):
    """A macro as read; `actions` as stored (a list of JSON objects)."""

    id: uuid.UUID
    name: str
    description: str
    actions: list[dict[str, Any]]
    create_time: datetime
    update_time: datetime
    version: int

    @property
    def etag(self) -> str:
        """The etag of this version (AIP-154)."""
        return etag_for_version(self.version)


_SELECT = select(
    Macro.id, Macro.name, Macro.description, Macro.actions, Macro.create_time, Macro.update_time, Macro.version
)


class MacroRepository:
    """Macros; who may write them is the domain's rule."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, *, macro_id: uuid.UUID, name: str, description: str, actions: list[dict[str, Any]], author_id: uuid.UUID
    ) -> None:
        """Inserts a macro."""
        self._session.add(Macro(id=macro_id, name=name, description=description, actions=actions, author_id=author_id))
        await self._session.flush()

    async def get(self, *, macro_id: uuid.UUID) -> MacroRecord | None:
        """The macro, if it exists."""
        row = (await self._session.execute(_SELECT.where(Macro.id == macro_id))).one_or_none()
        return None if row is None else MacroRecord._make(row)

    async def lock(self, *, macro_id: uuid.UUID) -> MacroRecord | None:
        """The macro, row-locked until commit."""
        row = (await self._session.execute(_SELECT.where(Macro.id == macro_id).with_for_update())).one_or_none()
        return None if row is None else MacroRecord._make(row)

    async def list_page(self, *, after: tuple[str, uuid.UUID] | None, limit: int) -> list[MacroRecord]:
        """Up to `limit` macros by name (then id), strictly after `after`."""
        statement = _SELECT
        if after is not None:
            statement = statement.where(tuple_(Macro.name, Macro.id) > tuple_(literal(after[0]), literal(after[1])))
        rows = await self._session.execute(statement.order_by(Macro.name, Macro.id).limit(limit))
        return [MacroRecord._make(row) for row in rows]

    async def update(self, *, macro_id: uuid.UUID, changes: dict[str, Any], author_id: uuid.UUID) -> None:
        """Applies `changes`, bumping the version and `update_time`."""
        await self._session.execute(
            update(Macro)
            .where(Macro.id == macro_id)
            .values(**changes, author_id=author_id, version=Macro.version + 1, update_time=func.now())
        )

    async def delete(self, *, macro_id: uuid.UUID) -> None:
        """Deletes the macro."""
        await self._session.execute(delete(Macro).where(Macro.id == macro_id))

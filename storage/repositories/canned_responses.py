"""Reads and writes of `canned_responses`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, case, delete, func, literal, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from storage.etags import etag_for_version
from storage.like import LIKE_ESCAPE, contains_pattern
from storage.models import CannedResponse, User


class CannedResponseRecord(NamedTuple):
    """A canned response as read, with its last author's display name ("" once that user is gone)."""

    id: uuid.UUID
    scope: str
    owner_id: uuid.UUID | None
    title: str
    body: str
    author_display_name: str
    create_time: datetime
    update_time: datetime
    version: int

    @property
    def etag(self) -> str:
        """The etag of this version (AIP-154)."""
        return etag_for_version(self.version)


class CannedResponsePosition(NamedTuple):
    """Where a page of the list ends: title matches first (0) when searching, then title, then id."""

    title_miss: int
    title: str
    id: uuid.UUID


_author = aliased(User, name="author")
_COLUMNS: tuple[Any, ...] = (
    CannedResponse.id,
    CannedResponse.scope,
    CannedResponse.owner_id,
    CannedResponse.title,
    CannedResponse.body,
    func.coalesce(_author.display_name, "").label("author_display_name"),
    CannedResponse.create_time,
    CannedResponse.update_time,
    CannedResponse.version,
)
_SELECT = select(*_COLUMNS).select_from(CannedResponse).outerjoin(_author, _author.id == CannedResponse.author_id)


def _folded(value: ColumnElement[Any] | InstrumentedAttribute[str]) -> ColumnElement[Any]:
    """Case and accents folded, for substring search."""
    return func.lower(func.unaccent(value))


class CannedResponseRepository:
    """Canned responses; who may see or write which is the domain's rule, not this class's."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        *,
        response_id: uuid.UUID,
        scope: str,
        owner_id: uuid.UUID | None,
        title: str,
        body: str,
        author_id: uuid.UUID,
    ) -> None:
        """Inserts a canned response."""
        self._session.add(
            CannedResponse(id=response_id, scope=scope, owner_id=owner_id, title=title, body=body, author_id=author_id)
        )
        await self._session.flush()

    async def get(self, *, response_id: uuid.UUID) -> CannedResponseRecord | None:
        """The canned response, if it exists."""
        row = (await self._session.execute(_SELECT.where(CannedResponse.id == response_id))).one_or_none()
        return None if row is None else CannedResponseRecord._make(row)

    async def lock(self, *, response_id: uuid.UUID) -> CannedResponseRecord | None:
        """The canned response, row-locked until commit."""
        statement = _SELECT.where(CannedResponse.id == response_id).with_for_update(of=CannedResponse.__table__)
        row = (await self._session.execute(statement)).one_or_none()
        return None if row is None else CannedResponseRecord._make(row)

    async def list_page(
        self,
        *,
        viewer_id: uuid.UUID,
        scope: str | None,
        query: str | None,
        after: CannedResponsePosition | None,
        limit: int,
    ) -> list[tuple[CannedResponseRecord, CannedResponsePosition]]:
        """Up to `limit` responses `viewer_id` may see (shared + own), title matches of `query` first."""
        visible = or_(CannedResponse.owner_id.is_(None), CannedResponse.owner_id == viewer_id)
        statement = _SELECT.where(visible)
        if scope is not None:
            statement = statement.where(CannedResponse.scope == scope)
        title_miss: ColumnElement[Any] = literal(0)
        if query:
            pattern = func.lower(func.unaccent(contains_pattern(query)))
            in_title = _folded(CannedResponse.title).like(pattern, escape=LIKE_ESCAPE)
            in_body = _folded(CannedResponse.body).like(pattern, escape=LIKE_ESCAPE)
            statement = statement.where(or_(in_title, in_body))
            title_miss = case((in_title, 0), else_=1)
        key = (title_miss, CannedResponse.title, CannedResponse.id)
        if after is not None:
            statement = statement.where(
                tuple_(*key) > tuple_(literal(after.title_miss), literal(after.title), literal(after.id))
            )
        statement = statement.add_columns(title_miss.label("title_miss")).order_by(*key).limit(limit)
        rows = (await self._session.execute(statement)).all()
        return [
            (CannedResponseRecord._make(row[:-1]), CannedResponsePosition(int(row[-1]), row.title, row.id))
            for row in rows
        ]

    async def update(self, *, response_id: uuid.UUID, changes: dict[str, str], author_id: uuid.UUID) -> None:
        """Applies `changes` (title, body), bumping the version and `update_time`."""
        await self._session.execute(
            update(CannedResponse)
            .where(CannedResponse.id == response_id)
            .values(**changes, author_id=author_id, version=CannedResponse.version + 1, update_time=func.now())
        )

    async def delete(self, *, response_id: uuid.UUID) -> None:
        """Deletes the canned response."""
        await self._session.execute(delete(CannedResponse).where(CannedResponse.id == response_id))

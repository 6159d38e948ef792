"""Reads and writes of `users`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.roles import Role
from storage.db import ReadConnection, StatementRunner, compiled_for_driver, first_row
from storage.etags import etag_for_version
from storage.like import LIKE_ESCAPE, contains_pattern
from storage.models import User


class UserRecord(NamedTuple):
    """A user as the API shows it (never the password hash), read without the ORM.

    `role` is the stored text (`Role(record.role)` for the enum): the driver returns the column as is.
    """

    id: uuid.UUID
    email: str
    display_name: str
    role: str
    active: bool
    create_time: datetime
    update_time: datetime
    last_login_time: datetime | None
    erase_time: datetime | None
    version: int

    @property
    def etag(self) -> str:
        """The etag of this version of the user (AIP-154)."""
        return etag_for_version(self.version)


# The record's columns by name, so the row's order is the record's by construction.
_GET_USER_RECORD = select(*(getattr(User, name) for name in UserRecord._fields)).where(User.id == bindparam("user_id"))
# Its one parameter is the user id.
_GET_USER_RECORD_ON_DRIVER = compiled_for_driver(_GET_USER_RECORD)
assert _GET_USER_RECORD_ON_DRIVER.names == ("user_id",)


async def read_user(source: AsyncSession | ReadConnection, *, user_id: uuid.UUID) -> UserRecord | None:
    """The user with this id as a plain record: one primary-key read, on a session or a pooled driver connection.

    On `Database.read_connection()` it skips the transaction and the ORM (identity map, instance
    state, per-execution compilation), which cost several times the indexed read itself; that is
    what the signed-in caller's every "who am I" (GetCurrentUser) pays.
    """
    if isinstance(source, AsyncSession):
        row = await StatementRunner(source).first(_GET_USER_RECORD, {"user_id": user_id})
    else:
        row = await first_row(source, _GET_USER_RECORD_ON_DRIVER, (user_id,))
    return None if row is None else UserRecord._make(row)


class UserRepository:
    """Users, looked up by id or normalised email, listed newest first with keyset pagination."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        *,
        email: str,
        display_name: str,
        role: Role,
        active: bool,
        password_hash: str,
        user_id: uuid.UUID | None = None,
    ) -> User | None:
        """Inserts a user; returns None (and changes nothing) if `email` is already taken.

        `email` must already be normalised: uniqueness is on the stored value.
        """
        statement = (
            insert(User)
            .values(
                id=user_id or uuid.uuid4(),
                email=email,
                display_name=display_name,
                role=role,
                active=active,
                password_hash=password_hash,
            )
            .on_conflict_do_nothing(index_elements=[User.email])
            .returning(User)
        )
        return (await self._session.scalars(statement)).one_or_none()

    async def get(self, *, user_id: uuid.UUID) -> User | None:
        """The user with this id, if any."""
        return await self._session.get(User, user_id)

    async def get_for_update(self, *, user_id: uuid.UUID) -> User | None:
        """The user with this id, row-locked (FOR NO KEY UPDATE: sign-ins referencing it go on) until commit."""
        statement = select(User).where(User.id == user_id).with_for_update(key_share=True)
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one_or_none()

    async def get_by_email(self, *, email: str) -> User | None:
        """The user with this (normalised) email, if any."""
        return (await self._session.scalars(select(User).where(User.email == email))).one_or_none()

    async def list_page(
        self,
        *,
        limit: int,
        after: tuple[datetime, uuid.UUID] | None = None,
        role: Role | None = None,
        query: str | None = None,
        include_inactive: bool = False,
    ) -> list[User]:
        """Up to `limit` users newest first (create_time desc, id desc), strictly after `after`.

        `query` matches a case-insensitive substring of the email or display name, literally.
        """
        statement = select(User)
        if not include_inactive:
            statement = statement.where(User.active)
        if role is not None:
            statement = statement.where(User.role == role)
        if query:
            pattern = contains_pattern(query)
            statement = statement.where(
                or_(User.email.ilike(pattern, escape=LIKE_ESCAPE), User.display_name.ilike(pattern, escape=LIKE_ESCAPE))
            )
        if after is not None:
            statement = statement.where(tuple_(User.create_time, User.id) < tuple_(after[0], after[1]))
        statement = statement.order_by(User.create_time.desc(), User.id.desc()).limit(limit)
        return list(await self._session.scalars(statement))

    async def update_fields(
        self,
        *,
        user_id: uuid.UUID,
        display_name: str | None = None,
        role: Role | None = None,
        active: bool | None = None,
    ) -> User | None:
        """Sets the given fields (None = unchanged), bumps `version` and `update_time`; returns the user."""
        values: dict[str, object] = {"version": User.version + 1, "update_time": func.now()}
        if display_name is not None:
            values["display_name"] = display_name
        if role is not None:
            values["role"] = role
        if active is not None:
            values["active"] = active
        statement = update(User).where(User.id == user_id).values(**values).returning(User)
        result = await self._session.scalars(statement, execution_options={"populate_existing": True})
        return result.one_or_none()

    async def replace_password_hash(self, *, user_id: uuid.UUID, old_hash: str, new_hash: str) -> User | None:
        """Swaps the password hash of an ACTIVE user if it is still `old_hash`; None otherwise.

        Compare-and-set: of two concurrent changes that both checked the old password, one wins.
        Not a change an etag tracks: `version` stays.
        """
        statement = (
            update(User)
            .where(User.id == user_id, User.active, User.password_hash == old_hash)
            .values(password_hash=new_hash)
            .returning(User)
        )
        result = await self._session.scalars(statement, execution_options={"populate_existing": True})
        return result.one_or_none()

    async def stamp_login(self, *, user_id: uuid.UUID) -> User | None:
        """Records a password sign-in of an ACTIVE user; None if the user is gone or inactive.

        Not a change an etag tracks: `version` stays.
        """
        statement = (
            update(User).where(User.id == user_id, User.active).values(last_login_time=func.now()).returning(User)
        )
        result = await self._session.scalars(statement, execution_options={"populate_existing": True})
        return result.one_or_none()

    async def lock_active_admin_ids(self) -> list[uuid.UUID]:
        """Ids of the active administrators, row-locked in id order (serialises role/active changes)."""
        statement = (
            select(User.id)
            .where(User.role == Role.ADMIN, User.active)
            .order_by(User.id)
            .with_for_update(key_share=True)
        )
        return list(await self._session.scalars(statement))

"""User administration: create (idempotently), list, read and update users.

Transport-free. Field names in InvalidArgument follow the API requests (`user.email`,
`password`, `update_mask`, ...). Deactivating a user or changing their role ends all of their
sessions at once, so their existing access tokens stop working within the same call.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from typing import Protocol

from server.core.context import Principal, Role
from server.core.errors import (
    Aborted,
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from server.core.validation import FieldChecks, reject_nul
from server.users.passwords import PasswordHasher, check_password_rules
from server.users.validation import check_display_name, check_email
from storage.db import Database
from storage.etags import etag_matches
from storage.models import User
from storage.pagination import decode_page_token, encode_page_token, resolve_page_size, time_and_id

_log = logging.getLogger(__name__)

# The idempotency scope of CreateUser request ids.
CREATE_USER_SCOPE = "helpdesk.v1.UserService/CreateUser"
UPDATABLE_FIELDS = ("display_name", "role", "active")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_QUERY_LENGTH = 100


def parse_user_id(value: str, *, field: str) -> uuid.UUID:
    """A user id from its text form; InvalidArgument on `field` if it is not a UUID."""
    if not value:
        raise InvalidArgument.field(field, "is required")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument.field(field, "is not a valid user id (a UUID)") from None


async def create_user_command(
    *,
    database: Database,
    hasher: PasswordHasher,
    email: str,
    password: str,
    role: Role,
    display_name: str | None = None,
    active: bool = True,
    request_id: str | None = None,
) -> User:
    """Creates a user of any role, as `helpdesk create-user` and the demo seed do (no caller checks).

    `display_name` defaults to the part of the email before the @. Raises InvalidArgument for
    bad input and AlreadyExists if the email is taken. With `request_id`, a retry returns the
    user the first attempt created.
    """
    if display_name is None:
        display_name = email.strip().partition("@")[0][:100] or email
    checks = FieldChecks()
    normalized_email = checks.run(lambda: check_email(email, field="user.email"))
    name = checks.run(lambda: check_display_name(display_name, field="user.display_name"))
    checks.run(lambda: check_password_rules(password, field="password"))
    if request_id is not None:
        checks.run(lambda: _check_request_id(request_id))
    checks.raise_if_any()
    assert normalized_email is not None
    assert name is not None

    if request_id is not None:
        earlier = await _created_earlier(database, request_id)
        if earlier is not None:
            return earlier

    # Hash before opening the transaction: no connection is held during bcrypt.
    password_hash = await hasher.hash(password)
    async with database.unit_of_work() as uow:
        user_id = uuid.uuid4()
        if request_id is not None and not await uow.idempotency.put(
            scope=CREATE_USER_SCOPE, request_id=request_id, resource_id=str(user_id)
        ):
            # A concurrent duplicate won (`put` waited for it to commit): answer with its user.
            winner = await uow.idempotency.get(scope=CREATE_USER_SCOPE, request_id=request_id)
            existing = None if winner is None else await uow.users.get(user_id=uuid.UUID(winner))
            if existing is None:
                raise Aborted("a concurrent request with this request_id failed; retry", reason="REQUEST_ID_CONFLICT")
            return existing
        user = await uow.users.add(
            user_id=user_id,
            email=normalized_email,
            display_name=name,
            role=role,
            active=active,
            password_hash=password_hash,
        )
        if user is None:
            raise AlreadyExists("a user with this email address already exists", reason="EMAIL_TAKEN")
    _log.info("created user %s with role %s", user.id, role.value)
    return user


def _check_request_id(request_id: str) -> None:
    try:
        uuid.UUID(request_id)
    except ValueError:
        raise InvalidArgument.field("request_id", "must be a UUID (AIP-155)") from None


async def _created_earlier(database: Database, request_id: str) -> User | None:
    async with database.unit_of_work() as uow:
        resource_id = await uow.idempotency.get(scope=CREATE_USER_SCOPE, request_id=request_id)
        return None if resource_id is None else await uow.users.get(user_id=uuid.UUID(resource_id))


class SessionCache(Protocol):
    """Where callers are cached (auth's principal cache), told when sessions end and user rows change."""

    async def invalidate(self, session_ids: Iterable[uuid.UUID], *, user_ids: Iterable[uuid.UUID] = ()) -> None:
        """Forgets the sessions and the users' records everywhere (called after the change commits)."""
        ...


class UserAdmin:
    """The administrators' view of users (agents may list agents)."""

    def __init__(self, *, database: Database, hasher: PasswordHasher, sessions: SessionCache) -> None:
        self._database = database
        self._hasher = hasher
        self._principals = sessions

    async def create_user(
        self,
        *,
        email: str,
        password: str,
        display_name: str,
        role: Role,
        active: bool,
        request_id: str | None,
    ) -> User:
        """Creates a user of any role; a retry with the same `request_id` returns the same user."""
        return await create_user_command(
            database=self._database,
            hasher=self._hasher,
            email=email,
            password=password,
            role=role,
            display_name=display_name,
            active=active,
            request_id=request_id,
        )

    async def list_users(
        self,
        *,
        principal: Principal,
        page_size: int,
        page_token: str,
        role: Role | None,
        query: str,
        show_inactive: bool,
    ) -> tuple[list[User], str]:
        """A page of users, newest first, and the token of the next page ("" on the last page).

        Administrators may list anyone; agents only agents (PermissionDenied otherwise). A page
        token only works with the filters it was issued for.
        """
        if principal.role is not Role.ADMIN and not (principal.role is Role.AGENT and role is Role.AGENT):
            raise PermissionDenied("agents may only list agents (role = ROLE_AGENT)", reason="ROLE_NOT_ALLOWED")
        checks = FieldChecks()
        size = checks.run(lambda: resolve_page_size(page_size, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE))
        query = query.strip()
        if len(query) > MAX_QUERY_LENGTH:
            checks.add("query", f"must be at most {MAX_QUERY_LENGTH} characters")
        checks.run(lambda: reject_nul(query, field="query"))
        checks.raise_if_any()
        assert size is not None

        filters = {"role": role.value if role else None, "query": query, "show_inactive": show_inactive}
        after = time_and_id(decode_page_token(page_token, filters=filters))
        async with self._database.unit_of_work() as uow:
            users = await uow.users.list_page(
                limit=size + 1, after=after, role=role, query=query or None, include_inactive=show_inactive
            )
        if len(users) <= size:
            return users, ""
        last = users[size - 1]
        return users[:size], encode_page_token(position=[last.create_time.isoformat(), str(last.id)], filters=filters)

    async def get_user(self, *, user_id: str) -> User:
        """One user; InvalidArgument on `id` for a malformed id, NotFound if there is no such user."""
        parsed = parse_user_id(user_id, field="id")
        async with self._database.unit_of_work() as uow:
            user = await uow.users.get(user_id=parsed)
        if user is None:
            raise NotFound("user not found")
        return user

    async def update_user(
        self,
        *,
        user_id: str,
        display_name: str | None = None,
        role: Role | None = None,
        active: bool | None = None,
        update_mask_paths: Sequence[str],
        etag: str | None = None,
    ) -> User:
        """Updates the fields named in `update_mask_paths` (values of other fields are ignored).

        A stale `etag` is Aborted. Removing the last active administrator is FailedPrecondition.
        A role change or a deactivation ends every session of the user.
        """
        parsed_id = parse_user_id(user_id, field="user.id")
        checks = FieldChecks()
        paths = checks.update_mask(update_mask_paths, UPDATABLE_FIELDS)
        new_name: str | None = None
        if "display_name" in paths:
            new_name = checks.run(lambda: check_display_name(display_name or "", field="user.display_name"))
        if "role" in paths and role is None:
            checks.add("user.role", "is required when update_mask names role")
        if "active" in paths and active is None:
            checks.add("user.active", "is required when update_mask names active")
        checks.raise_if_any()

        changes_access = bool(paths & {"role", "active"})
        async with self._database.unit_of_work() as uow:
            # Role and active changes lock the administrators first (always in the same order),
            # so that two concurrent demotions cannot both remove "the other" last admin.
            active_admins = await uow.users.lock_active_admin_ids() if changes_access else []
            user = await uow.users.get_for_update(user_id=parsed_id)
            if user is None:
                raise NotFound("user not found")
            if user.erase_time is not None:
                raise FailedPrecondition("the user was erased; the account stays as it is", reason="USER_ERASED")
            if etag and not etag_matches(etag, user.version):
                raise Aborted("the user was changed since it was read; read it again and retry", reason="ETAG_MISMATCH")

            name_change = new_name if new_name is not None and new_name != user.display_name else None
            role_change = role if "role" in paths and role is not user.role else None
            active_change = active if "active" in paths and active is not user.active else None
            if name_change is None and role_change is None and active_change is None:
                return user

            stays_admin = (role_change or user.role) is Role.ADMIN and (
                active_change if active_change is not None else user.active
            )
            if user.id in active_admins and not stays_admin and len(active_admins) <= 1:
                raise FailedPrecondition(
                    "cannot demote or deactivate the last active administrator", reason="LAST_ADMIN"
                )
            updated = await uow.users.update_fields(
                user_id=user.id, display_name=name_change, role=role_change, active=active_change
            )
            if updated is None:
                raise NotFound("user not found")
            ended: list[uuid.UUID] = []
            if role_change is not None or active_change is False:
                reason = "deactivated" if active_change is False else "role_changed"
                ended = await uow.sessions.revoke_all_for_user(user_id=user.id, reason=reason)
                _log.info("user %s: %s, ended %d session(s)", user.id, reason, len(ended))

            # Every change of the row: copies of the user's record are stale once it commits.
            async def invalidate() -> None:
                await self._principals.invalidate(ended, user_ids=[user.id])

            uow.after_commit(invalidate)
        return updated

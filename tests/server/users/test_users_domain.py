"""UserAdmin against real PostgreSQL and Redis: creation, listing, reading and updating users."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select

from server.auth.domain import AuthDomain
from server.core.context import Principal, Role
from server.core.errors import (
    Aborted,
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from server.users.domain import UserAdmin, create_user_command
from server.users.passwords import PasswordHasher
from storage.db import Database
from storage.models import User

PASSWORD = "staff password 1"


def _email(prefix: str = "staff") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def _as(role: Role) -> Principal:
    return Principal(user_id=uuid.uuid4(), role=role, session_id=uuid.uuid4())


ADMIN = _as(Role.ADMIN)
AGENT = _as(Role.AGENT)
CUSTOMER = _as(Role.CUSTOMER)


async def _create(user_admin: UserAdmin, *, role: Role = Role.AGENT, email: str | None = None, **extra: object) -> User:
    fields: dict[str, object] = {
        "email": email or _email(),
        "password": PASSWORD,
        "display_name": "Staff Member",
        "role": role,
        "active": True,
        "request_id": None,
        **extra,
    }
    return await user_admin.create_user(**fields)  # type: ignore[arg-type]


def _fields(error: InvalidArgument) -> set[str]:
    return {v.field for v in error.violations}


@pytest.mark.parametrize("role", list(Role))
async def test_admins_create_users_of_any_role(user_admin: UserAdmin, role: Role) -> None:
    user = await _create(user_admin, role=role, email=f"  Mixed.Case-{uuid.uuid4().hex[:6]}@Example.com ")
    assert user.role is role
    assert user.email == user.email.strip().lower()
    assert user.active
    assert user.etag == 'W/"1"'


async def test_create_names_the_bad_fields(user_admin: UserAdmin) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await _create(user_admin, email="nope", password="short", display_name="", request_id="not-a-uuid")
    assert _fields(caught.value) == {"user.email", "password", "user.display_name", "request_id"}


async def test_create_refuses_a_taken_email_whatever_its_case(user_admin: UserAdmin) -> None:
    email = _email()
    await _create(user_admin, email=email)
    with pytest.raises(AlreadyExists):
        await _create(user_admin, email=email.upper())


async def test_a_retried_create_returns_the_same_user(user_admin: UserAdmin) -> None:
    request_id = str(uuid.uuid4())
    first = await _create(user_admin, request_id=request_id)
    again = await _create(user_admin, request_id=request_id)
    assert again.id == first.id


async def test_concurrent_duplicates_create_one_user(user_admin: UserAdmin, database: Database) -> None:
    request_id, email = str(uuid.uuid4()), _email()
    users = await asyncio.gather(*(_create(user_admin, email=email, request_id=request_id) for _ in range(5)))
    assert len({u.id for u in users}) == 1
    async with database.unit_of_work() as uow:
        count = await uow.session.scalar(select(func.count()).select_from(User).where(User.email == email))
    assert count == 1


async def test_the_cli_function_creates_a_user_who_can_sign_in(
    database: Database, hasher: PasswordHasher, auth_domain: AuthDomain
) -> None:
    email = _email("cli")
    user = await create_user_command(database=database, hasher=hasher, email=email, password=PASSWORD, role=Role.ADMIN)
    assert user.display_name == email.partition("@")[0]
    signed_in = await auth_domain.login(email=email, password=PASSWORD, client_ip="", user_agent="")
    assert (await auth_domain.authenticate(access_token=signed_in.access_token)).role is Role.ADMIN


async def test_get_user(user_admin: UserAdmin) -> None:
    created = await _create(user_admin)
    assert (await user_admin.get_user(user_id=str(created.id))).email == created.email
    with pytest.raises(NotFound):
        await user_admin.get_user(user_id=str(uuid.uuid4()))
    for malformed in ("", "not-a-uuid", "1234"):
        with pytest.raises(InvalidArgument) as caught:
            await user_admin.get_user(user_id=malformed)
        assert _fields(caught.value) == {"id"}


async def _list_all(user_admin: UserAdmin, *, page_size: int, **filters: object) -> list[User]:
    seen: list[User] = []
    token = ""
    while True:
        page, token = await user_admin.list_users(
            principal=ADMIN,
            page_size=page_size,
            page_token=token,
            role=filters.get("role"),  # type: ignore[arg-type]
            query=str(filters.get("query", "")),
            show_inactive=bool(filters.get("show_inactive", False)),
        )
        assert len(page) <= page_size
        seen.extend(page)
        if not token:
            return seen


async def test_listing_pages_through_every_match_exactly_once(user_admin: UserAdmin) -> None:
    tag = uuid.uuid4().hex[:8]
    created = [await _create(user_admin, email=_email(f"list-{tag}")) for _ in range(8)]
    seen = await _list_all(user_admin, page_size=3, query=f"list-{tag}")
    assert [u.id for u in seen] == [u.id for u in reversed(created)]  # newest first, each once


async def test_listing_filters_by_role_and_hides_inactive_users(user_admin: UserAdmin) -> None:
    tag = uuid.uuid4().hex[:8]
    agent = await _create(user_admin, role=Role.AGENT, email=_email(f"filter-{tag}"))
    customer = await _create(user_admin, role=Role.CUSTOMER, email=_email(f"filter-{tag}"))
    retired = await _create(user_admin, role=Role.AGENT, email=_email(f"filter-{tag}"), active=False)
    assert {u.id for u in await _list_all(user_admin, page_size=10, query=tag)} == {agent.id, customer.id}
    assert {u.id for u in await _list_all(user_admin, page_size=10, query=tag, role=Role.AGENT)} == {agent.id}
    everyone = await _list_all(user_admin, page_size=10, query=tag.upper(), show_inactive=True)
    assert {u.id for u in everyone} == {agent.id, customer.id, retired.id}


async def test_a_page_token_only_works_with_its_filters(user_admin: UserAdmin) -> None:
    tag = uuid.uuid4().hex[:8]
    for _ in range(3):
        await _create(user_admin, email=_email(f"token-{tag}"))
    _, token = await user_admin.list_users(
        principal=ADMIN, page_size=1, page_token="", role=None, query=tag, show_inactive=False
    )
    assert token
    for changed in ({"query": "other"}, {"role": Role.AGENT}, {"show_inactive": True}):
        arguments: dict[str, object] = {"role": None, "query": tag, "show_inactive": False, **changed}
        with pytest.raises(InvalidArgument) as caught:
            await user_admin.list_users(principal=ADMIN, page_size=1, page_token=token, **arguments)  # type: ignore[arg-type]
        assert _fields(caught.value) == {"page_token"}
    with pytest.raises(InvalidArgument) as caught:
        await user_admin.list_users(
            principal=ADMIN, page_size=1, page_token="garbage", role=None, query=tag, show_inactive=False
        )
    assert _fields(caught.value) == {"page_token"}


async def test_page_size_rules(user_admin: UserAdmin) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await user_admin.list_users(
            principal=ADMIN, page_size=-1, page_token="", role=None, query="", show_inactive=False
        )
    assert _fields(caught.value) == {"page_size"}
    for _ in range(3):
        await _create(user_admin)
    page, _ = await user_admin.list_users(
        principal=ADMIN, page_size=10_000, page_token="", role=None, query="", show_inactive=True
    )
    assert 3 <= len(page) <= 200
    with pytest.raises(InvalidArgument) as caught:
        await user_admin.list_users(
            principal=ADMIN, page_size=0, page_token="", role=None, query="q" * 101, show_inactive=False
        )
    assert _fields(caught.value) == {"query"}


async def test_agents_may_list_agents_only(user_admin: UserAdmin) -> None:
    await _create(user_admin, role=Role.AGENT)
    agents, _ = await user_admin.list_users(
        principal=AGENT, page_size=0, page_token="", role=Role.AGENT, query="", show_inactive=False
    )
    assert agents
    assert all(u.role is Role.AGENT for u in agents)
    for role in (None, Role.CUSTOMER, Role.ADMIN):
        with pytest.raises(PermissionDenied):
            await user_admin.list_users(
                principal=AGENT, page_size=0, page_token="", role=role, query="", show_inactive=False
            )
    with pytest.raises(PermissionDenied):
        await user_admin.list_users(
            principal=CUSTOMER, page_size=0, page_token="", role=Role.AGENT, query="", show_inactive=False
        )


async def test_update_applies_only_the_masked_fields(user_admin: UserAdmin) -> None:
    created = await _create(user_admin, role=Role.AGENT)
    updated = await user_admin.update_user(
        user_id=str(created.id),
        display_name="  Renamed  ",
        role=Role.ADMIN,  # not in the mask: ignored
        active=False,  # not in the mask: ignored
        update_mask_paths=["display_name"],
        etag=created.etag,
    )
    assert (updated.display_name, updated.role, updated.active) == ("Renamed", Role.AGENT, True)
    assert updated.version == created.version + 1
    assert updated.etag != created.etag


async def test_an_update_with_a_stale_etag_is_aborted(user_admin: UserAdmin) -> None:
    created = await _create(user_admin)
    await user_admin.update_user(
        user_id=str(created.id), display_name="First", update_mask_paths=["display_name"], etag=created.etag
    )
    with pytest.raises(Aborted) as caught:
        await user_admin.update_user(
            user_id=str(created.id), display_name="Second", update_mask_paths=["display_name"], etag=created.etag
        )
    assert caught.value.reason == "ETAG_MISMATCH"
    assert (await user_admin.get_user(user_id=str(created.id))).display_name == "First"


async def test_a_no_op_update_keeps_the_etag(user_admin: UserAdmin) -> None:
    created = await _create(user_admin)
    same = await user_admin.update_user(
        user_id=str(created.id),
        display_name=created.display_name,
        active=True,
        update_mask_paths=["display_name", "active"],
    )
    assert same.etag == created.etag


@pytest.mark.parametrize(
    ("paths", "fields"),
    [
        ([], {"update_mask"}),
        (["email"], {"update_mask"}),
        (["password_hash"], {"update_mask"}),
        (["*"], {"update_mask"}),
        (["display_name"], {"user.display_name"}),
        (["role"], {"user.role"}),
    ],
)
async def test_bad_updates_name_the_field(user_admin: UserAdmin, paths: list[str], fields: set[str]) -> None:
    created = await _create(user_admin)
    with pytest.raises(InvalidArgument) as caught:
        await user_admin.update_user(user_id=str(created.id), display_name="", update_mask_paths=paths)
    assert _fields(caught.value) == fields


async def test_updating_a_missing_or_malformed_user(user_admin: UserAdmin) -> None:
    with pytest.raises(NotFound):
        await user_admin.update_user(user_id=str(uuid.uuid4()), active=False, update_mask_paths=["active"])
    with pytest.raises(InvalidArgument) as caught:
        await user_admin.update_user(user_id="nope", active=False, update_mask_paths=["active"])
    assert _fields(caught.value) == {"user.id"}


async def test_deactivation_ends_every_session(user_admin: UserAdmin, auth_domain: AuthDomain) -> None:
    email = _email()
    created = await _create(user_admin, email=email, role=Role.CUSTOMER)
    sessions = [await auth_domain.login(email=email, password=PASSWORD, client_ip="", user_agent="") for _ in range(2)]
    for session in sessions:
        await auth_domain.authenticate(access_token=session.access_token)
    await user_admin.update_user(user_id=str(created.id), active=False, update_mask_paths=["active"])
    for session in sessions:
        with pytest.raises(Unauthenticated):
            await auth_domain.authenticate(access_token=session.access_token)
    # Reactivation does not bring old sessions back, but the user may sign in again.
    await user_admin.update_user(user_id=str(created.id), active=True, update_mask_paths=["active"])
    with pytest.raises(Unauthenticated):
        await auth_domain.authenticate(access_token=sessions[0].access_token)
    await auth_domain.login(email=email, password=PASSWORD, client_ip="", user_agent="")


async def test_a_rename_does_not_end_sessions(user_admin: UserAdmin, auth_domain: AuthDomain) -> None:
    email = _email()
    created = await _create(user_admin, email=email)
    session = await auth_domain.login(email=email, password=PASSWORD, client_ip="", user_agent="")
    await user_admin.update_user(user_id=str(created.id), display_name="New", update_mask_paths=["display_name"])
    assert (await auth_domain.authenticate(access_token=session.access_token)).user_id == created.id


async def test_the_last_active_admin_cannot_be_removed(user_admin: UserAdmin, database: Database) -> None:
    first = await _create(user_admin, role=Role.ADMIN)
    second = await _create(user_admin, role=Role.ADMIN)
    # Leave exactly these two active admins...
    async with database.unit_of_work() as uow:
        others = [i for i in await uow.users.lock_active_admin_ids() if i not in (first.id, second.id)]
    for admin_id in others:
        await user_admin.update_user(user_id=str(admin_id), role=Role.AGENT, update_mask_paths=["role"])

    # ...and let each try to remove the other at the same moment: exactly one may win.
    results = await asyncio.gather(
        user_admin.update_user(user_id=str(first.id), role=Role.AGENT, update_mask_paths=["role"]),
        user_admin.update_user(user_id=str(second.id), active=False, update_mask_paths=["active"]),
        return_exceptions=True,
    )
    succeeded = [r for r in results if isinstance(r, User)]
    refused = [r for r in results if isinstance(r, FailedPrecondition)]
    assert (len(succeeded), len(refused)) == (1, 1), results
    assert refused[0].reason == "LAST_ADMIN"
    # Another admin makes the change possible again.
    await _create(user_admin, role=Role.ADMIN)
    survivor = first if refused[0] is results[0] else second
    await user_admin.update_user(user_id=str(survivor.id), role=Role.AGENT, update_mask_paths=["role"])

"""UserService through a real server: administration and who may do it."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeAlias

import grpc
import grpc.aio
import pytest

from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc, user_pb2, user_service_pb2, user_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Role
from tests.support import SignedIn, bad_fields, register, sign_in_as, unique_email

UserStub: TypeAlias = "user_service_pb2_grpc.UserServiceAsyncStub"


@pytest.fixture(scope="module")
async def admin(app: HelpdeskApp, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub) -> SignedIn:
    return await sign_in_as(app, auth_stub, Role.ADMIN)


@pytest.fixture(scope="module")
async def agent(app: HelpdeskApp, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub) -> SignedIn:
    return await sign_in_as(app, auth_stub, Role.AGENT)


@pytest.fixture(scope="module")
async def customer(auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub) -> SignedIn:
    return await register(auth_stub)


def _new_user(
    role: user_pb2.Role.ValueType = user_pb2.ROLE_AGENT, email: str | None = None
) -> user_service_pb2.CreateUserRequest:
    return user_service_pb2.CreateUserRequest(
        user=user_pb2.User(email=email or unique_email("new"), display_name="New Person", role=role),
        password="initial password",
    )


async def test_admin_creates_an_agent_who_can_sign_in(
    user_stub: UserStub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub, admin: SignedIn
) -> None:
    request = _new_user()
    created = await user_stub.CreateUser(request, metadata=admin.metadata)
    assert created.role == user_pb2.ROLE_AGENT
    assert created.active
    assert created.etag
    login = await auth_stub.Login(auth_service_pb2.LoginRequest(email=request.user.email, password="initial password"))
    assert login.user.id == created.id
    fetched = await user_stub.GetUser(user_service_pb2.GetUserRequest(id=created.id), metadata=admin.metadata)
    assert fetched.HasField("last_login_time")  # the sign-in above
    fetched.ClearField("last_login_time")
    assert fetched == created


async def test_create_user_is_idempotent_with_a_request_id(user_stub: UserStub, admin: SignedIn) -> None:
    request = _new_user()
    request.request_id = "7f0c7d64-8d0e-4d3c-9a53-6f7d3c5b2a10"
    first = await user_stub.CreateUser(request, metadata=admin.metadata)
    again = await user_stub.CreateUser(request, metadata=admin.metadata)
    assert again.id == first.id


async def test_create_user_validates_fields(user_stub: UserStub, admin: SignedIn) -> None:
    request = _new_user(role=user_pb2.ROLE_UNSPECIFIED)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await user_stub.CreateUser(request, metadata=admin.metadata)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "user.role" in bad_fields(caught.value)


async def test_update_with_stale_etag_is_aborted(user_stub: UserStub, admin: SignedIn) -> None:
    created = await user_stub.CreateUser(_new_user(), metadata=admin.metadata)
    rename = user_service_pb2.UpdateUserRequest(
        user=user_pb2.User(id=created.id, display_name="Renamed", etag=created.etag)
    )
    rename.update_mask.paths.append("display_name")
    renamed = await user_stub.UpdateUser(rename, metadata=admin.metadata)
    assert renamed.display_name == "Renamed"
    assert renamed.etag != created.etag
    # The same etag again is now stale.
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await user_stub.UpdateUser(rename, metadata=admin.metadata)
    assert caught.value.code() == grpc.StatusCode.ABORTED


async def test_update_rejects_unknown_mask_paths(user_stub: UserStub, admin: SignedIn) -> None:
    created = await user_stub.CreateUser(_new_user(), metadata=admin.metadata)
    request = user_service_pb2.UpdateUserRequest(user=user_pb2.User(id=created.id, email="x@example.com"))
    request.update_mask.paths.append("email")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await user_stub.UpdateUser(request, metadata=admin.metadata)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "update_mask" in bad_fields(caught.value)


async def test_role_change_takes_effect_at_once(
    user_stub: UserStub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub, admin: SignedIn
) -> None:
    promoted = await register(auth_stub)
    denied = user_stub.ListUsers(user_service_pb2.ListUsersRequest(), metadata=promoted.metadata)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await denied
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    update = user_service_pb2.UpdateUserRequest(user=user_pb2.User(id=promoted.user_id, role=user_pb2.ROLE_ADMIN))
    update.update_mask.paths.append("role")
    await user_stub.UpdateUser(update, metadata=admin.metadata)
    # Changing a role ends the user's sessions: they sign in again and get the new powers.
    login = await auth_stub.Login(auth_service_pb2.LoginRequest(email=promoted.email, password=promoted.password))
    listed = await user_stub.ListUsers(
        user_service_pb2.ListUsersRequest(), metadata=(("authorization", f"Bearer {login.access_token}"),)
    )
    assert listed.users


async def test_list_users_pages_through_everyone_once(user_stub: UserStub, admin: SignedIn) -> None:
    created = {(await user_stub.CreateUser(_new_user(), metadata=admin.metadata)).id for _ in range(7)}
    seen: list[str] = []
    token = ""
    while True:
        page = await user_stub.ListUsers(
            user_service_pb2.ListUsersRequest(page_size=3, page_token=token, role=user_pb2.ROLE_AGENT),
            metadata=admin.metadata,
        )
        assert len(page.users) <= 3
        seen.extend(u.id for u in page.users)
        token = page.next_page_token
        if not token:
            break
    assert len(seen) == len(set(seen))
    assert created <= set(seen)


async def test_page_token_is_bound_to_its_filters(user_stub: UserStub, admin: SignedIn) -> None:
    for _ in range(3):
        await user_stub.CreateUser(_new_user(), metadata=admin.metadata)
    first = await user_stub.ListUsers(
        user_service_pb2.ListUsersRequest(page_size=1, role=user_pb2.ROLE_AGENT), metadata=admin.metadata
    )
    assert first.next_page_token
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await user_stub.ListUsers(
            user_service_pb2.ListUsersRequest(
                page_size=1, role=user_pb2.ROLE_CUSTOMER, page_token=first.next_page_token
            ),
            metadata=admin.metadata,
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "page_token" in bad_fields(caught.value)


async def test_agents_may_list_agents_only(user_stub: UserStub, agent: SignedIn) -> None:
    agents = await user_stub.ListUsers(
        user_service_pb2.ListUsersRequest(role=user_pb2.ROLE_AGENT), metadata=agent.metadata
    )
    assert agents.users
    assert all(u.role == user_pb2.ROLE_AGENT for u in agents.users)
    for role in (user_pb2.ROLE_UNSPECIFIED, user_pb2.ROLE_CUSTOMER, user_pb2.ROLE_ADMIN):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await user_stub.ListUsers(user_service_pb2.ListUsersRequest(role=role), metadata=agent.metadata)
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_missing_and_malformed_user_ids(user_stub: UserStub, admin: SignedIn) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await user_stub.GetUser(
            user_service_pb2.GetUserRequest(id="00000000-0000-4000-8000-000000000000"), metadata=admin.metadata
        )
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await user_stub.GetUser(user_service_pb2.GetUserRequest(id="not-a-uuid"), metadata=admin.metadata)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(caught.value) == {"id"}


@pytest.mark.parametrize("caller", ["anonymous", "customer", "agent"])
async def test_only_admins_manage_users(
    user_stub: UserStub, caller: str, customer: SignedIn, agent: SignedIn, admin: SignedIn
) -> None:
    metadata = {"anonymous": (), "customer": customer.metadata, "agent": agent.metadata}[caller]
    expected = grpc.StatusCode.UNAUTHENTICATED if caller == "anonymous" else grpc.StatusCode.PERMISSION_DENIED
    calls: list[Awaitable[object]] = [
        user_stub.CreateUser(_new_user(), metadata=metadata),
        user_stub.GetUser(user_service_pb2.GetUserRequest(id=admin.user_id), metadata=metadata),
        user_stub.UpdateUser(
            user_service_pb2.UpdateUserRequest(user=user_pb2.User(id=admin.user_id)), metadata=metadata
        ),
    ]
    if caller != "agent":
        calls.append(user_stub.ListUsers(user_service_pb2.ListUsersRequest(), metadata=metadata))
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call
        assert caught.value.code() == expected


async def test_an_update_without_mask_changes_the_fields_set_and_only_those(
    user_stub: UserStub, admin: SignedIn
) -> None:
    created = await user_stub.CreateUser(_new_user(), metadata=admin.metadata)
    # No update_mask (AIP-134): the fields set are updated; email (immutable) and etag are not fields to update.
    request = user_service_pb2.UpdateUserRequest(
        user=user_pb2.User(id=created.id, display_name="Renamed", email="ignored@example.com", etag=created.etag)
    )
    updated = await user_stub.UpdateUser(request, metadata=admin.metadata)
    assert updated.display_name == "Renamed"
    assert updated.email == created.email
    assert updated.role == created.role
    assert updated.active
    # Nothing updatable set and no mask: the caller is told to name the fields.
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await user_stub.UpdateUser(
            user_service_pb2.UpdateUserRequest(user=user_pb2.User(id=created.id)), metadata=admin.metadata
        )
    assert bad_fields(caught.value) == {"update_mask"}

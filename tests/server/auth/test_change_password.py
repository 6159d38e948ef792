"""ChangePassword: the old password stops working, every old session ends, a new one starts."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc
from server.settings import Settings
from tests.support import SignedIn, bad_fields, error_details, register


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    # A small account limit so the guessing test stays short.
    return settings.replace(login_max_failures_per_account=4)


async def _change(
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub, who: SignedIn, current: str, new: str
) -> auth_service_pb2.ChangePasswordResponse:
    return await auth_stub.ChangePassword(
        auth_service_pb2.ChangePasswordRequest(current_password=current, new_password=new), metadata=who.metadata
    )


async def test_change_password_ends_every_session_and_starts_a_new_one(
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub,
) -> None:
    phone = await register(auth_stub)
    laptop_answer = await auth_stub.Login(auth_service_pb2.LoginRequest(email=phone.email, password=phone.password))
    laptop = SignedIn(
        phone.user_id, phone.email, phone.password, laptop_answer.access_token, laptop_answer.refresh_token
    )

    changed = await _change(auth_stub, phone, phone.password, "a brand new passphrase")
    assert changed.user.id == phone.user_id
    assert changed.access_token
    assert changed.refresh_token

    # Every token of every earlier session is dead, on every device.
    for old in (phone, laptop):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await auth_stub.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=old.metadata)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await auth_stub.RefreshToken(auth_service_pb2.RefreshTokenRequest(refresh_token=old.refresh_token))
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED

    # The new session works and refreshes.
    fresh = (("authorization", f"Bearer {changed.access_token}"),)
    me = await auth_stub.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=fresh)
    assert me.id == phone.user_id
    await auth_stub.RefreshToken(auth_service_pb2.RefreshTokenRequest(refresh_token=changed.refresh_token))

    # Only the new password signs in.
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await auth_stub.Login(auth_service_pb2.LoginRequest(email=phone.email, password=phone.password))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    await auth_stub.Login(auth_service_pb2.LoginRequest(email=phone.email, password="a brand new passphrase"))


async def test_wrong_current_password_names_the_field_and_changes_nothing(
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub,
) -> None:
    user = await register(auth_stub)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await _change(auth_stub, user, "not my password", "a brand new passphrase")
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(refused.value) == {"current_password"}

    # The session survived and the old password still signs in.
    await auth_stub.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=user.metadata)
    await auth_stub.Login(auth_service_pb2.LoginRequest(email=user.email, password=user.password))


@pytest.mark.parametrize(
    ("current", "new", "fields"),
    [
        ("", "a brand new passphrase", {"current_password"}),
        ("correct horse 1", "short", {"new_password"}),
        ("correct horse 1", "x" * 73, {"new_password"}),
        ("correct horse 1", "correct horse 1", {"new_password"}),
        ("", "", {"current_password", "new_password"}),
    ],
)
async def test_invalid_change_requests_name_their_fields(
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub, current: str, new: str, fields: set[str]
) -> None:
    user = await register(auth_stub, password="correct horse 1")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await _change(auth_stub, user, current, new)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(refused.value) == fields


async def test_guessing_the_current_password_is_limited_like_sign_in(
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub,
) -> None:
    user = await register(auth_stub)
    for attempt in range(4):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _change(auth_stub, user, f"guess number {attempt}", "a brand new passphrase")
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    # The limit is the account's: even the right password waits now, here and at sign-in.
    with pytest.raises(grpc.aio.AioRpcError) as limited:
        await _change(auth_stub, user, user.password, "a brand new passphrase")
    assert limited.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert any(type(detail).__name__ == "RetryInfo" for detail in error_details(limited.value))
    with pytest.raises(grpc.aio.AioRpcError) as limited:
        await auth_stub.Login(auth_service_pb2.LoginRequest(email=user.email, password=user.password))
    assert limited.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_concurrent_changes_leave_exactly_one_password(
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub,
) -> None:
    user = await register(auth_stub)
    candidates = [f"new passphrase {n}" for n in range(2)]
    outcomes = await asyncio.gather(
        *(_change(auth_stub, user, user.password, new) for new in candidates), return_exceptions=True
    )
    won = [new for new, outcome in zip(candidates, outcomes, strict=True) if not isinstance(outcome, BaseException)]
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            assert isinstance(outcome, grpc.aio.AioRpcError)
            # The loser lost the compare-and-set, found its session ended, or checked its
            # "current" password after the winner had replaced it.
            assert outcome.code() in (
                grpc.StatusCode.ABORTED,
                grpc.StatusCode.UNAUTHENTICATED,
                grpc.StatusCode.INVALID_ARGUMENT,
            )
    assert len(won) == 1
    attempts = await asyncio.gather(
        *(
            auth_stub.Login(auth_service_pb2.LoginRequest(email=user.email, password=password))
            for password in [user.password, *candidates]
        ),
        return_exceptions=True,
    )
    signed_in = [
        password
        for password, attempt in zip([user.password, *candidates], attempts, strict=True)
        if not isinstance(attempt, BaseException)
    ]
    assert signed_in == won
    refusals = {attempt.code() for attempt in attempts if isinstance(attempt, grpc.aio.AioRpcError)}
    assert refusals == {grpc.StatusCode.UNAUTHENTICATED}

"""AuthService through a real server: what a user and a security reviewer would check."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeAlias

import grpc
import grpc.aio
import jwt
import pytest
from google.rpc import error_details_pb2

from devstack.redis import EmbeddedRedis
from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc, user_pb2, user_service_pb2, user_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Role
from server.settings import Settings
from tests.support import (
    TEST_JWT_SECRET,
    bad_fields,
    cpu_time_ratio,
    error_details,
    register,
    sign_in_as,
    unique_email,
)

Stub: TypeAlias = "auth_service_pb2_grpc.AuthServiceAsyncStub"


async def _me(stub: Stub, token: str) -> user_pb2.User:
    return await stub.GetCurrentUser(
        auth_service_pb2.GetCurrentUserRequest(), metadata=(("authorization", f"Bearer {token}"),)
    )


async def _code_of(call: object) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    return caught.value.code()


async def test_register_login_and_me(auth_stub: Stub) -> None:
    email = unique_email()
    registered = await auth_stub.Register(
        auth_service_pb2.RegisterRequest(email=f"  {email.upper()} ", password="a good password", display_name="Ana")
    )
    assert registered.user.email == email  # normalised: trimmed, lower-case
    assert registered.user.role == user_pb2.ROLE_CUSTOMER
    assert registered.access_token
    assert registered.refresh_token
    assert registered.token_type == "Bearer"

    login = await auth_stub.Login(auth_service_pb2.LoginRequest(email=email, password="a good password"))
    me = await _me(auth_stub, login.access_token)
    assert me.id == registered.user.id
    assert me.display_name == "Ana"
    assert me.HasField("last_login_time")
    # 15-minute access tokens by default.
    lifetime = login.access_token_expire_time.ToDatetime(UTC) - datetime.now(UTC)
    assert timedelta(minutes=14) < lifetime <= timedelta(minutes=15)


async def test_duplicate_email_is_refused_case_insensitively(auth_stub: Stub) -> None:
    email = unique_email()
    await register(auth_stub, email=email)
    assert await _code_of(register(auth_stub, email=email.upper())) == grpc.StatusCode.ALREADY_EXISTS


async def test_register_cannot_choose_a_role(auth_stub: Stub) -> None:
    for role in (user_pb2.ROLE_ADMIN, user_pb2.ROLE_AGENT):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await auth_stub.Register(
                auth_service_pb2.RegisterRequest(
                    email=unique_email(), password="a good password", display_name="Mallory", role=role
                )
            )
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert bad_fields(caught.value) == {"role"}


@pytest.mark.parametrize(
    ("email", "password", "display_name", "field"),
    [
        ("not-an-email", "a good password", "Ana", "email"),
        ("", "a good password", "Ana", "email"),
        (None, "short", "Ana", "password"),
        (None, "x" * 73, "Ana", "password"),
        (None, "a good password", "   ", "display_name"),
    ],
)
async def test_bad_registration_names_the_field(
    auth_stub: Stub, email: str | None, password: str, display_name: str, field: str
) -> None:
    request = auth_service_pb2.RegisterRequest(
        email=unique_email() if email is None else email, password=password, display_name=display_name
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await auth_stub.Register(request)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in bad_fields(caught.value)


async def test_wrong_password_and_unknown_email_look_the_same(auth_stub: Stub) -> None:
    known = await register(auth_stub)
    answers = []
    for email, password in ((known.email, "wrong password!"), (unique_email("ghost"), "wrong password!")):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await auth_stub.Login(auth_service_pb2.LoginRequest(email=email, password=password))
        answers.append((caught.value.code(), caught.value.details(), [str(d) for d in error_details(caught.value)]))
    assert answers[0] == answers[1]
    assert answers[0][0] == grpc.StatusCode.UNAUTHENTICATED


async def _unknown_over_wrong_cpu_time(settings: Settings) -> float:
    """Median CPU time of a sign-in with an unknown email over that of a wrong password, on a server of its own."""
    app = await HelpdeskApp.create(settings)
    await app.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
            stub = auth_service_pb2_grpc.AuthServiceStub(channel)
            known = await register(stub)

            async def refused(email: str) -> None:
                with pytest.raises(grpc.aio.AioRpcError) as caught:
                    await stub.Login(auth_service_pb2.LoginRequest(email=email, password="wrong password!"))
                assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED

            await refused(unique_email("warm-up"))  # the dummy hash is made on first use
            return await cpu_time_ratio(lambda: refused(unique_email("ghost")), lambda: refused(known.email), rounds=6)
    finally:
        await app.stop(grace=1.0)


async def test_unknown_email_takes_as_long_as_a_wrong_password(settings: Settings, tmp_path: Path) -> None:
    # A server of its own at a realistic bcrypt cost, so that bcrypt dominates a sign-in: at the
    # module's cheap cost the rest of the call is most of it, and a missing dummy check would
    # hardly show. Its own Redis and limits high enough for every attempt to reach the password
    # check, without using up the address's failures for the module's other tests.
    redis = EmbeddedRedis(tmp_path / "redis", persist=False)
    redis.start()
    try:
        costly = settings.replace(
            redis_url=redis.url, bcrypt_cost=10, login_max_failures_per_account=1000, login_max_failures_per_ip=1000
        )
        ratio = await _unknown_over_wrong_cpu_time(costly)
    finally:
        redis.stop()
    # Both paths run one bcrypt verification; without the dummy hash the unknown email would be
    # many times faster.
    assert 0.5 < ratio < 2.0, f"unknown/wrong = {ratio:.2f}"


async def test_lockout_after_five_failures_with_retry_info(auth_stub: Stub) -> None:
    account = await register(auth_stub)
    for _ in range(5):
        code = await _code_of(
            auth_stub.Login(auth_service_pb2.LoginRequest(email=account.email, password="wrong password!"))
        )
        assert code == grpc.StatusCode.UNAUTHENTICATED
    # Locked: even the right password is refused now, and the answer says when to retry.
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await auth_stub.Login(auth_service_pb2.LoginRequest(email=account.email, password=account.password))
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    retry = [d for d in error_details(caught.value) if isinstance(d, error_details_pb2.RetryInfo)]
    assert retry
    assert retry[0].retry_delay.seconds > 0
    # Another account is not affected.
    other = await register(auth_stub)
    await auth_stub.Login(auth_service_pb2.LoginRequest(email=other.email, password=other.password))


def _forge(claims: dict[str, object], *, key: str = TEST_JWT_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def _claims_of(token: str) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return claims


async def test_forged_and_misused_tokens_are_unauthenticated(auth_stub: Stub) -> None:
    user = await register(auth_stub)
    good = _claims_of(user.access_token)
    now = int(time.time())
    header_none = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=")
    payload = base64.urlsafe_b64encode(json.dumps(good).encode()).rstrip(b"=")
    head, _body, signature = user.access_token.split(".")
    tampered_body = (
        base64.urlsafe_b64encode(json.dumps({**good, "sub": str(uuid.uuid4())}).encode()).rstrip(b"=").decode()
    )
    bad_tokens = {
        "alg none": f"{header_none.decode()}.{payload.decode()}.",
        "wrong key": _forge(good, key="another-secret-" + "x" * 40),
        "expired": _forge({**good, "iat": now - 3600, "exp": now - 60}),
        "wrong audience": _forge({**good, "aud": "someone-else"}),
        "wrong issuer": _forge({**good, "iss": "evil"}),
        "wrong type": _forge({**good, "typ": "refresh"}),
        "no expiry": _forge({k: v for k, v in good.items() if k != "exp"}),
        "tampered payload": f"{head}.{tampered_body}.{signature}",
        "refresh token as access token": user.refresh_token,
        "garbage": "not-a-jwt",
    }
    for label, token in bad_tokens.items():
        assert await _code_of(_me(auth_stub, token)) == grpc.StatusCode.UNAUTHENTICATED, label
    # The genuine token still works.
    assert (await _me(auth_stub, user.access_token)).id == user.user_id


async def test_anonymous_and_malformed_authorization(auth_stub: Stub) -> None:
    assert await _code_of(auth_stub.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest())) == (
        grpc.StatusCode.UNAUTHENTICATED
    )
    user = await register(auth_stub)
    call = auth_stub.GetCurrentUser(
        auth_service_pb2.GetCurrentUserRequest(), metadata=(("authorization", f"Basic {user.access_token}"),)
    )
    assert await _code_of(call) == grpc.StatusCode.UNAUTHENTICATED


async def test_stale_token_does_not_block_signing_in(auth_stub: Stub) -> None:
    user = await register(auth_stub)
    response = await auth_stub.Login(
        auth_service_pb2.LoginRequest(email=user.email, password=user.password),
        metadata=(("authorization", "Bearer expired.or.garbage"),),
    )
    assert response.access_token


async def test_refresh_rotates_and_reuse_revokes_the_family(auth_stub: Stub) -> None:
    user = await register(auth_stub)
    first = await auth_stub.RefreshToken(auth_service_pb2.RefreshTokenRequest(refresh_token=user.refresh_token))
    assert first.refresh_token != user.refresh_token
    assert (await _me(auth_stub, first.access_token)).id == user.user_id

    # The spent token presented again: refused, and the whole session ends.
    replay = auth_stub.RefreshToken(auth_service_pb2.RefreshTokenRequest(refresh_token=user.refresh_token))
    assert await _code_of(replay) == grpc.StatusCode.UNAUTHENTICATED
    follow_up = auth_stub.RefreshToken(auth_service_pb2.RefreshTokenRequest(refresh_token=first.refresh_token))
    assert await _code_of(follow_up) == grpc.StatusCode.UNAUTHENTICATED
    assert await _code_of(_me(auth_stub, first.access_token)) == grpc.StatusCode.UNAUTHENTICATED
    assert await _code_of(_me(auth_stub, user.access_token)) == grpc.StatusCode.UNAUTHENTICATED

    # Other sessions of the same user are untouched.
    other = await auth_stub.Login(auth_service_pb2.LoginRequest(email=user.email, password=user.password))
    assert (await _me(auth_stub, other.access_token)).id == user.user_id


async def test_concurrent_refreshes_of_one_token_have_one_winner(auth_stub: Stub) -> None:
    user = await register(auth_stub)
    results = await asyncio.gather(
        *(
            auth_stub.RefreshToken(auth_service_pb2.RefreshTokenRequest(refresh_token=user.refresh_token))
            for _ in range(5)
        ),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(winners) <= 1
    assert len(winners) + len(losers) == 5
    assert all(e.code() == grpc.StatusCode.UNAUTHENTICATED for e in losers)


async def test_unknown_refresh_token_is_unauthenticated(auth_stub: Stub) -> None:
    call = auth_stub.RefreshToken(auth_service_pb2.RefreshTokenRequest(refresh_token="made-up-token"))
    assert await _code_of(call) == grpc.StatusCode.UNAUTHENTICATED


async def test_logout_revokes_access_and_refresh_tokens(auth_stub: Stub) -> None:
    user = await register(auth_stub)
    second = await auth_stub.Login(auth_service_pb2.LoginRequest(email=user.email, password=user.password))
    await auth_stub.Logout(auth_service_pb2.LogoutRequest(), metadata=user.metadata)
    assert await _code_of(_me(auth_stub, user.access_token)) == grpc.StatusCode.UNAUTHENTICATED
    refresh = auth_stub.RefreshToken(auth_service_pb2.RefreshTokenRequest(refresh_token=user.refresh_token))
    assert await _code_of(refresh) == grpc.StatusCode.UNAUTHENTICATED
    # Logging out one session leaves the others signed in...
    assert (await _me(auth_stub, second.access_token)).id == user.user_id
    # ...unless all sessions are ended.
    await auth_stub.Logout(
        auth_service_pb2.LogoutRequest(all_sessions=True),
        metadata=(("authorization", f"Bearer {second.access_token}"),),
    )
    assert await _code_of(_me(auth_stub, second.access_token)) == grpc.StatusCode.UNAUTHENTICATED


async def test_deactivated_user_is_locked_out(
    app: HelpdeskApp, auth_stub: Stub, user_stub: user_service_pb2_grpc.UserServiceAsyncStub
) -> None:
    admin = await sign_in_as(app, auth_stub, Role.ADMIN)
    victim = await register(auth_stub)
    assert (await _me(auth_stub, victim.access_token)).id == victim.user_id

    update = user_service_pb2.UpdateUserRequest(user=user_pb2.User(id=victim.user_id, active=False))
    update.update_mask.paths.append("active")
    updated = await user_stub.UpdateUser(update, metadata=admin.metadata)
    assert updated.active is False

    assert await _code_of(_me(auth_stub, victim.access_token)) == grpc.StatusCode.UNAUTHENTICATED
    refresh = auth_stub.RefreshToken(auth_service_pb2.RefreshTokenRequest(refresh_token=victim.refresh_token))
    assert await _code_of(refresh) == grpc.StatusCode.UNAUTHENTICATED
    login = auth_stub.Login(auth_service_pb2.LoginRequest(email=victim.email, password=victim.password))
    assert await _code_of(login) == grpc.StatusCode.UNAUTHENTICATED

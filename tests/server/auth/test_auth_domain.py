"""AuthDomain against real PostgreSQL and Redis: what a security reviewer would check."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from devstack.redis import free_port
from server.auth.domain import AuthDomain, AuthResult
from server.auth.tokens import AccessTokenCodec
from server.core.context import Principal, Role
from server.core.errors import AlreadyExists, InvalidArgument, ResourceExhausted, Unauthenticated, Unavailable
from server.settings import Settings
from server.users.domain import UserAdmin
from server.users.passwords import PasswordHasher
from storage import redis_keys
from storage.db import Database
from storage.redis import create_redis
from tests.support import cpu_time_ratio

PASSWORD = "correct horse battery"


def _email(prefix: str = "auth") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@Example.com"


def _ip() -> str:
    return f"203.0.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


async def _register(auth: AuthDomain, email: str | None = None) -> tuple[str, AuthResult]:
    email = email or _email()
    result = await auth.register(
        email=email,
        password=PASSWORD,
        display_name="  Ana Souza ",
        role_requested=None,
        client_ip=_ip(),
        user_agent="tests",
    )
    return email, result


async def _refused(awaitable: object) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as caught:
        await awaitable  # type: ignore[misc]
    return caught.value


async def test_register_creates_a_signed_in_customer(auth_domain: AuthDomain) -> None:
    _, result = await _register(auth_domain, "  New.Person@Example.COM ")
    assert result.user.email == "new.person@example.com"
    assert result.user.display_name == "Ana Souza"
    assert result.user.role is Role.CUSTOMER
    assert result.user.active
    assert result.user.password_hash.startswith("$2b$")
    assert len(result.refresh_token) >= 43
    principal = await auth_domain.authenticate(access_token=result.access_token)
    assert principal.user_id == result.user.id
    assert principal.role is Role.CUSTOMER
    assert (await auth_domain.current_user(principal=principal)).email == "new.person@example.com"


@pytest.mark.parametrize("role", [Role.AGENT, Role.ADMIN])
async def test_register_refuses_any_role_but_customer(auth_domain: AuthDomain, role: Role) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await auth_domain.register(
            email=_email(), password=PASSWORD, display_name="Mallory", role_requested=role, client_ip="", user_agent=""
        )
    assert [v.field for v in caught.value.violations] == ["role"]


async def test_register_may_ask_for_customer_explicitly(auth_domain: AuthDomain) -> None:
    result = await auth_domain.register(
        email=_email(), password=PASSWORD, display_name="C", role_requested=Role.CUSTOMER, client_ip="", user_agent=""
    )
    assert result.user.role is Role.CUSTOMER


async def test_register_names_every_bad_field_at_once(auth_domain: AuthDomain) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await auth_domain.register(
            email="not-an-email",
            password="short",
            display_name="   ",
            role_requested=Role.ADMIN,
            client_ip="",
            user_agent="",
        )
    assert {v.field for v in caught.value.violations} == {"email", "password", "display_name", "role"}


@pytest.mark.parametrize(
    "email", ["", "plain", "a@b", "two@@example.com", "sp ace@example.com", f"{'x' * 250}@example.com", "a@b.c\u200b"]
)
async def test_register_refuses_malformed_emails(auth_domain: AuthDomain, email: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await auth_domain.register(
            email=email, password=PASSWORD, display_name="X", role_requested=None, client_ip="", user_agent=""
        )
    assert [v.field for v in caught.value.violations] == ["email"]


async def test_emails_are_unique_whatever_their_case(auth_domain: AuthDomain) -> None:
    email, _ = await _register(auth_domain)
    with pytest.raises(AlreadyExists):
        await _register(auth_domain, f"  {email.upper()}  ")


async def test_login_accepts_any_case_and_stamps_the_time(auth_domain: AuthDomain) -> None:
    email, registered = await _register(auth_domain)
    assert registered.user.last_login_time is None
    result = await auth_domain.login(email=f" {email.upper()} ", password=PASSWORD, client_ip=_ip(), user_agent="t")
    assert result.user.id == registered.user.id
    assert result.user.last_login_time is not None
    assert result.refresh_token != registered.refresh_token


async def test_unknown_email_and_wrong_password_are_indistinguishable(auth_domain: AuthDomain) -> None:
    email, _ = await _register(auth_domain)
    wrong = await _refused(auth_domain.login(email=email, password="wrong password", client_ip=_ip(), user_agent=""))
    unknown = await _refused(auth_domain.login(email=_email(), password=PASSWORD, client_ip=_ip(), user_agent=""))
    assert (wrong.message, wrong.reason, wrong.metadata) == (unknown.message, unknown.reason, unknown.metadata)
    assert wrong.message == "invalid email or password"


async def test_unknown_email_takes_as_long_as_a_wrong_password(
    settings: Settings, database: Database, redis_client: Redis
) -> None:
    # A realistic cost, so that bcrypt dominates and a missing dummy check would stand out.
    hasher = PasswordHasher(cost=10, max_concurrency=2)
    auth = AuthDomain(
        settings=settings.replace(login_max_failures_per_account=1000, login_max_failures_per_ip=1000),
        database=database,
        redis=redis_client,
        hasher=hasher,
    )
    try:
        email, _ = await _register(auth)
        await _refused(auth.login(email=_email(), password="warm-up", client_ip="", user_agent=""))
        ratio = await cpu_time_ratio(
            lambda: _refused(auth.login(email=_email(), password="wrong password", client_ip="", user_agent="")),
            lambda: _refused(auth.login(email=email, password="wrong password", client_ip="", user_agent="")),
            rounds=5,
        )
    finally:
        hasher.close()
    assert 0.6 < ratio < 1.6, f"unknown/wrong = {ratio:.2f}"


async def test_lockout_after_five_failures_even_for_the_right_password(auth_domain: AuthDomain) -> None:
    email, _ = await _register(auth_domain)
    for _ in range(5):
        await _refused(auth_domain.login(email=email, password="guess", client_ip=_ip(), user_agent=""))
    with pytest.raises(ResourceExhausted) as caught:
        await auth_domain.login(email=email, password=PASSWORD, client_ip=_ip(), user_agent="")
    assert caught.value.reason == "LOGIN_RATE_LIMITED"
    assert caught.value.retry_after > timedelta(0)


async def test_a_success_resets_the_failure_count(auth_domain: AuthDomain) -> None:
    email, _ = await _register(auth_domain)
    for _ in range(4):
        await _refused(auth_domain.login(email=email, password="guess", client_ip="", user_agent=""))
    await auth_domain.login(email=email, password=PASSWORD, client_ip="", user_agent="")
    for _ in range(4):
        await _refused(auth_domain.login(email=email, password="guess", client_ip="", user_agent=""))
    await auth_domain.login(email=email, password=PASSWORD, client_ip="", user_agent="")


async def test_login_fails_closed_without_redis(settings: Settings, database: Database, hasher: PasswordHasher) -> None:
    dead = create_redis(f"redis://127.0.0.1:{free_port()}/0")
    try:
        auth = AuthDomain(settings=settings, database=database, redis=dead, hasher=hasher)
        with pytest.raises(Unavailable):
            await auth.login(email=_email(), password=PASSWORD, client_ip=_ip(), user_agent="")
    finally:
        await dead.aclose()


async def test_authenticate_falls_back_to_postgres_without_redis(
    settings: Settings, database: Database, hasher: PasswordHasher, auth_domain: AuthDomain
) -> None:
    _, registered = await _register(auth_domain)
    dead = create_redis(f"redis://127.0.0.1:{free_port()}/0")
    try:
        auth = AuthDomain(settings=settings, database=database, redis=dead, hasher=hasher)
        principal = await auth.authenticate(access_token=registered.access_token)
        assert principal.user_id == registered.user.id
        await auth.logout(principal=principal, all_sessions=False)
        await _refused(auth.authenticate(access_token=registered.access_token))
    finally:
        await dead.aclose()


async def test_authenticate_caches_the_principal_briefly(auth_domain: AuthDomain, redis_client: Redis) -> None:
    _, registered = await _register(auth_domain)
    principal = await auth_domain.authenticate(access_token=registered.access_token)
    key = redis_keys.principal(principal.session_id)
    assert 0 < await redis_client.pttl(key) <= 30_000
    assert await auth_domain.authenticate(access_token=registered.access_token) == principal


async def test_a_token_naming_someone_elses_session_is_refused(auth_domain: AuthDomain, settings: Settings) -> None:
    _, alice = await _register(auth_domain)
    _, bob = await _register(auth_domain)
    alice_principal = await auth_domain.authenticate(access_token=alice.access_token)
    # Validly signed (as if the key leaked), but Bob's id with Alice's session.
    forged = AccessTokenCodec.from_settings(settings).issue(user_id=bob.user.id, session_id=alice_principal.session_id)
    await _refused(auth_domain.authenticate(access_token=forged.token))
    # Also when the session is not cached.
    await auth_domain.logout(principal=alice_principal, all_sessions=False)
    unknown_session = AccessTokenCodec.from_settings(settings).issue(user_id=bob.user.id, session_id=uuid.uuid4())
    await _refused(auth_domain.authenticate(access_token=unknown_session.token))


async def test_refresh_rotates_the_token(auth_domain: AuthDomain) -> None:
    _, registered = await _register(auth_domain)
    rotated = await auth_domain.refresh(refresh_token=registered.refresh_token, client_ip=_ip(), user_agent="")
    assert rotated.refresh_token != registered.refresh_token
    assert rotated.user.id == registered.user.id
    first = await auth_domain.authenticate(access_token=registered.access_token)
    second = await auth_domain.authenticate(access_token=rotated.access_token)
    assert first.session_id == second.session_id
    again = await auth_domain.refresh(refresh_token=rotated.refresh_token, client_ip="", user_agent="")
    assert again.refresh_token not in (registered.refresh_token, rotated.refresh_token)


async def test_reusing_a_spent_refresh_token_revokes_the_whole_family(auth_domain: AuthDomain) -> None:
    email, registered = await _register(auth_domain)
    other_device = await auth_domain.login(email=email, password=PASSWORD, client_ip="", user_agent="")
    await auth_domain.authenticate(access_token=registered.access_token)  # cached
    rotated = await auth_domain.refresh(refresh_token=registered.refresh_token, client_ip="", user_agent="")

    reuse = await _refused(auth_domain.refresh(refresh_token=registered.refresh_token, client_ip="", user_agent=""))
    assert reuse.reason == "REFRESH_TOKEN_REUSED"
    # Every token of the family is dead: the newest refresh token and both access tokens.
    await _refused(auth_domain.refresh(refresh_token=rotated.refresh_token, client_ip="", user_agent=""))
    await _refused(auth_domain.authenticate(access_token=registered.access_token))
    await _refused(auth_domain.authenticate(access_token=rotated.access_token))
    # The user's other session is untouched.
    assert (await auth_domain.authenticate(access_token=other_device.access_token)).user_id == registered.user.id


async def test_concurrent_refreshes_of_one_token_have_exactly_one_winner(auth_domain: AuthDomain) -> None:
    _, registered = await _register(auth_domain)
    results = await asyncio.gather(
        *(auth_domain.refresh(refresh_token=registered.refresh_token, client_ip="", user_agent="") for _ in range(5)),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, AuthResult)]
    losers = [r for r in results if isinstance(r, Unauthenticated)]
    assert (len(winners), len(losers)) == (1, 4)
    # The losers presented a spent token: that is reuse, so the family is gone, the winner's too.
    await _refused(auth_domain.refresh(refresh_token=winners[0].refresh_token, client_ip="", user_agent=""))


@pytest.mark.parametrize("token", ["", "made-up", "x" * 5000])
async def test_unknown_refresh_tokens_are_refused(auth_domain: AuthDomain, token: str) -> None:
    await _refused(auth_domain.refresh(refresh_token=token, client_ip="", user_agent=""))


async def test_an_expired_refresh_token_is_refused(
    settings: Settings, database: Database, redis_client: Redis, hasher: PasswordHasher
) -> None:
    short_lived = AuthDomain(
        settings=settings.replace(refresh_token_ttl=timedelta(milliseconds=200)),
        database=database,
        redis=redis_client,
        hasher=hasher,
    )
    _, registered = await _register(short_lived)
    await asyncio.sleep(0.3)
    await _refused(short_lived.refresh(refresh_token=registered.refresh_token, client_ip="", user_agent=""))


async def test_logout_ends_this_session_or_all(auth_domain: AuthDomain) -> None:
    email, first = await _register(auth_domain)
    second = await auth_domain.login(email=email, password=PASSWORD, client_ip="", user_agent="")
    third = await auth_domain.login(email=email, password=PASSWORD, client_ip="", user_agent="")
    first_principal = await auth_domain.authenticate(access_token=first.access_token)

    await auth_domain.logout(principal=first_principal, all_sessions=False)
    await _refused(auth_domain.authenticate(access_token=first.access_token))
    await _refused(auth_domain.refresh(refresh_token=first.refresh_token, client_ip="", user_agent=""))
    second_principal = await auth_domain.authenticate(access_token=second.access_token)

    await auth_domain.logout(principal=second_principal, all_sessions=True)
    await _refused(auth_domain.authenticate(access_token=second.access_token))
    await _refused(auth_domain.authenticate(access_token=third.access_token))
    await _refused(auth_domain.refresh(refresh_token=third.refresh_token, client_ip="", user_agent=""))


async def test_a_racing_cache_write_cannot_resurrect_a_revoked_session(
    auth_domain: AuthDomain, redis_client: Redis
) -> None:
    _, registered = await _register(auth_domain)
    principal = await auth_domain.authenticate(access_token=registered.access_token)
    await auth_domain.logout(principal=principal, all_sessions=False)
    # A reader that checked PostgreSQL just before the logout writes its stale answer late.
    await redis_client.set(
        redis_keys.principal(principal.session_id),
        f'{{"u": "{principal.user_id}", "r": "customer"}}',
        px=30_000,
    )
    await _refused(auth_domain.authenticate(access_token=registered.access_token))


async def test_a_deactivated_user_is_locked_out_everywhere(auth_domain: AuthDomain, user_admin: UserAdmin) -> None:
    email, registered = await _register(auth_domain)
    principal = await auth_domain.authenticate(access_token=registered.access_token)  # now cached
    await user_admin.update_user(user_id=str(registered.user.id), active=False, update_mask_paths=["active"])

    await _refused(auth_domain.authenticate(access_token=registered.access_token))
    await _refused(auth_domain.refresh(refresh_token=registered.refresh_token, client_ip="", user_agent=""))
    await _refused(auth_domain.current_user(principal=principal))
    refused = await _refused(auth_domain.login(email=email, password=PASSWORD, client_ip=_ip(), user_agent=""))
    assert refused.message == "invalid email or password"


async def test_a_role_change_applies_from_the_next_sign_in(auth_domain: AuthDomain, user_admin: UserAdmin) -> None:
    email, registered = await _register(auth_domain)
    assert (await auth_domain.authenticate(access_token=registered.access_token)).role is Role.CUSTOMER
    await user_admin.update_user(user_id=str(registered.user.id), role=Role.AGENT, update_mask_paths=["role"])
    await _refused(auth_domain.authenticate(access_token=registered.access_token))
    again = await auth_domain.login(email=email, password=PASSWORD, client_ip="", user_agent="")
    principal = await auth_domain.authenticate(access_token=again.access_token)
    assert principal == Principal(user_id=registered.user.id, role=Role.AGENT, session_id=principal.session_id)


async def test_login_requires_both_fields(auth_domain: AuthDomain) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await auth_domain.login(email="  ", password="", client_ip="", user_agent="")
    assert {v.field for v in caught.value.violations} == {"email", "password"}


async def test_an_overlong_password_at_login_is_just_wrong(auth_domain: AuthDomain) -> None:
    email, _ = await _register(auth_domain)
    await _refused(auth_domain.login(email=email, password="p" * 500, client_ip=_ip(), user_agent=""))

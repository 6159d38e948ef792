"""AuthService scenarios: GetCurrentUser (token check + one indexed read) and Login (bcrypt-bound)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Sequence

import grpc

from bench.profile import LoadProfile
from bench.scenarios.base import CallFn, Target
from bench.scenarios.echo import ECHO_POSTGRES, UNARY_PROFILE
from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc

# Seeded accounts share one password; seeding is idempotent, so later runs reuse the accounts.
BENCH_PASSWORD = "bench-password-0123456789"  # noqa: S105 - a throwaway account in a throwaway database
# Enough distinct users that GetCurrentUser does not read a single hot row.
CURRENT_USER_ACCOUNTS = 8

# Login spends ~270 ms of a core in bcrypt (cost 12) and the server hashes at most
# `bcrypt_max_concurrency` (2) at once: two callers keep both hash slots busy without queueing,
# so p50 is close to the real sign-in latency. A longer window gives enough samples for p99.
LOGIN_PROFILE = LoadProfile(concurrency=2, channels=1, warmup_s=2.0, duration_s=15.0, call_timeout_s=30.0)


# Setup is not measured: registering callers' accounts queues on bcrypt, which on a loaded machine
# takes far longer than a measured call may, so each setup call gets this deadline of its own.
SETUP_CALL_TIMEOUT_S = 120.0


def account_email(scenario: str, index: int) -> str:
    """Email of seeded account `index` of `scenario` (stable, so reruns find it)."""
    return f"bench-{scenario.lower()}-{index}@bench.example.com"


async def sign_in(stub: auth_service_pb2_grpc.AuthServiceAsyncStub, *, email: str, timeout_s: float) -> str:
    """Registers `email` (or, if it exists, logs in) and returns an access token."""
    try:
        registered = await stub.Register(
            auth_service_pb2.RegisterRequest(email=email, password=BENCH_PASSWORD, display_name="Bench User"),
            timeout=timeout_s,
        )
        return registered.access_token
    except grpc.aio.AioRpcError as error:
        if error.code() != grpc.StatusCode.ALREADY_EXISTS:
            raise
    signed_in = await stub.Login(auth_service_pb2.LoginRequest(email=email, password=BENCH_PASSWORD), timeout=timeout_s)
    return signed_in.access_token


def _stubs(channels: Sequence[grpc.aio.Channel]) -> list[auth_service_pb2_grpc.AuthServiceAsyncStub]:
    return [auth_service_pb2_grpc.AuthServiceStub(channel) for channel in channels]


class GetCurrentUserScenario:
    """`GetCurrentUser` with a valid access token: JWT and session check, then one primary-key read."""

    name = "GetCurrentUser"
    target = Target.HELPDESK
    profile = UNARY_PROFILE
    floor = ECHO_POSTGRES

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Signs in a few accounts; caller i uses account i mod their number."""
        stubs = _stubs(channels)
        accounts = range(min(CURRENT_USER_ACCOUNTS, len(callers)))
        tokens = await asyncio.gather(
            *(
                sign_in(stubs[0], email=account_email(self.name, callers[i]), timeout_s=SETUP_CALL_TIMEOUT_S)
                for i in accounts
            )
        )
        request = auth_service_pb2.GetCurrentUserRequest()
        return [
            functools.partial(
                stubs[caller % len(stubs)].GetCurrentUser,
                request,
                metadata=(("authorization", f"Bearer {tokens[i % len(tokens)]}"),),
                timeout=call_timeout_s,
            )
            for i, caller in enumerate(callers)
        ]


class LoginScenario:
    """`Login` with the right password: one bcrypt check (cost 12) plus a refresh-token insert."""

    name = "Login"
    target = Target.HELPDESK
    profile = LOGIN_PROFILE
    # None: bcrypt, not a store round trip, sets its cost.
    floor = None

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Seeds one account per caller, so no account or token family is shared between callers."""
        stubs = _stubs(channels)
        emails = [account_email(self.name, caller) for caller in callers]
        await asyncio.gather(*(sign_in(stubs[0], email=email, timeout_s=SETUP_CALL_TIMEOUT_S) for email in emails))
        return [
            functools.partial(
                stubs[caller % len(stubs)].Login,
                auth_service_pb2.LoginRequest(email=email, password=BENCH_PASSWORD),
                timeout=call_timeout_s,
            )
            for caller, email in zip(callers, emails, strict=True)
        ]

"""The baseline: one unary call to the bare echo server, measured beside every other scenario.

The floors are the same call to the echo server reading from a store first (`bench/echo_server.py`):
`echo-pg` one primary-key row from PostgreSQL, `echo-redis` one small key from Redis. A scenario
names the floor that fits it (`floor`); the bench measures that floor beside it, like the baseline.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import grpc

from bench.profile import LoadProfile
from bench.scenarios.base import CallFn, Target

ECHO_SERVICE = "bench.v1.Echo"
ECHO_METHOD = "Echo"
# Roughly the size of a small API message (a User), so framing costs are comparable.
ECHO_PAYLOAD = b"x" * 128

# The profile of cheap unary RPCs: enough callers to keep both server cores busy.
UNARY_PROFILE = LoadProfile(concurrency=32, channels=4, warmup_s=2.0, duration_s=10.0, call_timeout_s=10.0)


ECHO_POSTGRES = "echo-pg"
ECHO_REDIS = "echo-redis"


class EchoScenario:
    """Bytes in, the same bytes out: the cost of grpc.aio itself, with no serialization or handlers.

    Against a floor's server (`target`), each call also costs that server's one read.
    """

    profile = UNARY_PROFILE
    floor = None

    def __init__(self, name: str = "echo", target: Target = Target.ECHO) -> None:
        self.name = name
        self.target = target

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Binds every caller to one channel's raw-bytes echo method."""
        methods: list[grpc.aio.UnaryUnaryMultiCallable[bytes, bytes]] = [
            channel.unary_unary(f"/{ECHO_SERVICE}/{ECHO_METHOD}") for channel in channels
        ]
        return [
            functools.partial(methods[caller % len(methods)], ECHO_PAYLOAD, timeout=call_timeout_s)
            for caller in callers
        ]

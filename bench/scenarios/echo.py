"""The baseline: one unary call to the bare echo server, measured beside every other scenario."""

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


class EchoScenario:
    """Bytes in, the same bytes out: the cost of grpc.aio itself, with no serialization or handlers."""

    name = "echo"
    target = Target.ECHO
    profile = UNARY_PROFILE

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

"""What a scenario is: which server it targets, its load profile, and how its callers are prepared."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import grpc

from bench.profile import LoadProfile

# One caller's next RPC: awaiting it performs a single call (raising `grpc.aio.AioRpcError` on failure).
CallFn = Callable[[], Awaitable[object]]


class Target(enum.Enum):
    """The server process a scenario drives."""

    ECHO = "echo"
    # The echo server reading one row from the bench's PostgreSQL, or one key from its Redis, per call.
    ECHO_POSTGRES = "echo-pg"
    ECHO_REDIS = "echo-redis"
    HELPDESK = "helpdesk"


class Scenario(Protocol):
    """A benchmarkable workload; instances are stateless and listed in `bench.scenarios.SCENARIOS`.

    `setup` runs in the load generator process before warm-up: it seeds what the scenario needs
    through the public API (idempotently, since every run calls it again) and returns one call
    function per caller, with any per-caller state (tokens, accounts) bound in.
    """

    @property
    def name(self) -> str:
        """Registry key and table label, e.g. `GetCurrentUser`."""
        ...

    @property
    def target(self) -> Target:
        """Which server this scenario calls."""
        ...

    @property
    def profile(self) -> LoadProfile:
        """Default load; the CLI may override parts of it."""
        ...

    @property
    def floor(self) -> str | None:
        """The floor measured beside this one (`echo-pg`, `echo-redis`), or None when none fits.

        A floor is the least any call making this one's store round trip costs; the baseline and
        the floors themselves name none.
        """
        ...

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Seeds state and returns the call function of each caller index in `callers`."""
        ...

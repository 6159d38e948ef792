"""Health: the standard grpc.health.v1 service, fed by periodic probes of PostgreSQL and Redis.

The overall status ("") and every API service report NOT_SERVING while either store is
unreachable, so Envoy's active health check takes the replica out of rotation; on shutdown
everything turns NOT_SERVING before the server drains. A service that works without one of the
stores (`serving_without`: the knowledge base reads PostgreSQL alone when Redis is down) stays
SERVING when only that store fails: the dependency is then reported as degraded (`degraded`,
and a warning in the log) rather than the service being taken down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence

from grpc_health.v1 import health_pb2
from grpc_health.v1._async import HealthServicer

_log = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[object]]

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class HealthReporter:
    """Probes the dependencies every `interval` seconds and publishes the result."""

    def __init__(
        self,
        *,
        servicer: HealthServicer,
        probes: Mapping[str, Probe],
        service_names: Sequence[str],
        interval: float = 2.0,
        probe_timeout: float = 1.5,
        serving_without: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        self.servicer = servicer
        self._probes = dict(probes)
        self._service_names = ["", *service_names]
        self._interval = interval
        self._probe_timeout = probe_timeout
        self._task: asyncio.Task[None] | None = None
        self.failing: frozenset[str] = frozenset()
        # Probe name -> services that keep SERVING when only that probe fails.
        self._serving_without = {probe: frozenset(names) for probe, names in (serving_without or {}).items()}

    async def check_once(self) -> frozenset[str]:
        """Runs every probe once, publishes the status, returns the names of failing probes."""
        names = list(self._probes)
        results = await asyncio.gather(
            *(asyncio.wait_for(self._probes[n](), self._probe_timeout) for n in names), return_exceptions=True
        )
        failing = frozenset(n for n, r in zip(names, results, strict=True) if isinstance(r, BaseException))
        if failing != self.failing:
            if failing:
                _log.warning("unhealthy: %s unreachable", ", ".join(sorted(failing)))
            else:
                _log.info("healthy: all dependencies reachable")
        self.failing = failing
        for name in self._service_names:
            down = any(name not in self._serving_without.get(probe, ()) for probe in failing)
            await self.servicer.set(name, NOT_SERVING if down else SERVING)
        return failing

    @property
    def degraded(self) -> dict[str, list[str]]:
        """Failing dependencies -> the services still SERVING without them (empty when healthy)."""
        return {
            probe: sorted(self._serving_without.get(probe, frozenset()) & set(self._service_names))
            for probe in self.failing
            if self._serving_without.get(probe)
        }

    def start(self) -> None:
        """Starts the background probe loop."""
        self._task = asyncio.create_task(self._run(), name="health-probes")

    async def shutdown(self) -> None:
        """Stops probing and reports NOT_SERVING for everything, for good."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.servicer.enter_graceful_shutdown()

    async def _run(self) -> None:
        while True:
            try:
                await self.check_once()
            except Exception:  # noqa: BLE001 - the probe loop must survive anything
                _log.exception("health probe loop failed")
            await asyncio.sleep(self._interval)

"""Helpers shared by the tests: signing users in through the API, reading google.rpc error details."""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import redis.asyncio as aioredis
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from devstack.envoy import EmbeddedEnvoy
from devstack.redis import EmbeddedRedis
from devstack.static import SiteRoute, StaticSite
from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Role
from server.gateway import GatewayOptions
from server.settings import Settings
from tests.log_scan import remember_secrets

# Debian's Chromium (`make browser-deps`), driven by Playwright, which never downloads a browser here.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


async def wait_serving(port: int, alive: Callable[[], str | None], *, within: float = 30.0) -> None:
    """Waits until the server on `port` reports SERVING; `alive()` returns why not (its log) once it has failed."""
    async with asyncio.timeout(within), grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while True:
            death = alive()
            assert death is None, death
            try:
                reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=1.0)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            await asyncio.sleep(0.1)


# Keeps Redis busy for `ARGV[1]` seconds: it reads no socket and answers nobody until the script ends.
_BUSY = """
local start = redis.call('TIME')
while true do
  local now = redis.call('TIME')
  if (now[1] - start[1]) + (now[2] - start[2]) / 1e6 >= tonumber(ARGV[1]) then return 1 end
end
"""


@asynccontextmanager
async def redis_busy(redis_url: str, seconds: float) -> AsyncIterator[None]:
    """Redis runs a script `seconds` long, started 0.3 s before the block: calls sent inside wait for its end.

    Past the client's 1 s timeout, redis-py gives up on such a call and sends it again on a new
    connection (its one retry), and Redis runs both after the script.
    """
    busy_redis = aioredis.Redis.from_url(redis_url)  # no timeout: it waits for its script

    async def keep_redis_busy() -> object:
        return await busy_redis.eval(_BUSY, 0, str(seconds))

    try:
        busy = asyncio.create_task(keep_redis_busy())
        await asyncio.sleep(0.3)  # the script is running
        yield
        assert await busy == 1
    finally:
        await busy_redis.aclose()


async def cpu_time_ratio(
    measured: Callable[[], Awaitable[object]], reference: Callable[[], Awaitable[object]], *, rounds: int
) -> float:
    """Median CPU time of `measured` over that of `reference`, each run `rounds` times, in turns.

    CPU time of this process (its threads included: the server under test runs in it), because
    it is the work the code does, while the wall time of the same work on a shared machine grows
    with whatever else runs. Taking turns keeps a change of load from favouring one side.
    """

    async def cpu_seconds(call: Callable[[], Awaitable[object]]) -> float:
        started = time.process_time()
        await call()
        return time.process_time() - started

    measured_seconds: list[float] = []
    reference_seconds: list[float] = []
    for _ in range(rounds):
        measured_seconds.append(await cpu_seconds(measured))
        reference_seconds.append(await cpu_seconds(reference))
    return statistics.median(measured_seconds) / statistics.median(reference_seconds)


# Fixed so that every import of this module (pytest may load test helpers twice) agrees on it.
TEST_JWT_SECRET = "helpdesk-test-secret-4c0b7e1d9a2f6538-not-for-production"


@dataclass
class SignedIn:
    """A user signed in through the API."""

    user_id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        """Call metadata carrying the access token."""
        return (("authorization", f"Bearer {self.access_token}"),)


def unique_email(prefix: str = "user") -> str:
    """An email no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


async def register(
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub,
    *,
    email: str | None = None,
    password: str = "correct horse 1",
) -> SignedIn:
    """Registers a new customer through the API."""
    email = email or unique_email("customer")
    response = await auth_stub.Register(
        auth_service_pb2.RegisterRequest(email=email, password=password, display_name="Test Customer")
    )
    remember_secrets(password, response.access_token, response.refresh_token)
    return SignedIn(response.user.id, email, password, response.access_token, response.refresh_token)


async def sign_in_as(
    app: HelpdeskApp,
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub,
    role: Role,
    *,
    password: str = "staff pass 123",
) -> SignedIn:
    """Creates a user of `role` (as the CLI would) and signs them in through the API."""
    email = unique_email(role.value)
    await app.users.create_user(
        email=email, password=password, display_name=f"Test {role.value}", role=role, active=True, request_id=None
    )
    response = await auth_stub.Login(auth_service_pb2.LoginRequest(email=email, password=password))
    remember_secrets(password, response.access_token, response.refresh_token)
    return SignedIn(response.user.id, email, password, response.access_token, response.refresh_token)


@asynccontextmanager
async def app_serving(
    settings: Settings,
    method: str,
    behaviour: Callable[[bytes, grpc.aio.ServicerContext[bytes, bytes]], Awaitable[bytes]],
) -> AsyncIterator[HelpdeskApp]:
    """A started app that also answers the unary `method` ("/test.Service/Method", bytes in and out) with `behaviour`.

    The method lies outside the API package: an infrastructure method, open to everyone, behind the
    same interceptor as every call. The app stops (0.5 s grace) when the block ends.
    """
    service, name = method.strip("/").split("/")
    handler: grpc.RpcMethodHandler[bytes, bytes] = grpc.unary_unary_rpc_method_handler(behaviour)
    app = await HelpdeskApp.create(settings)
    app.server.add_registered_method_handlers(service, {name: handler})
    await app.start()
    try:
        yield app
    finally:
        await app.stop(grace=0.5)


async def becomes_true(check: Callable[[], object], *, within: float = 5.0) -> bool:
    """Polls `check` (sync or async) every 20 ms until it is truthy (True) or `within` seconds pass (False)."""
    ends = time.monotonic() + within
    while True:
        answer = check()
        if asyncio.iscoroutine(answer):
            answer = await answer
        if answer:
            return True
        if time.monotonic() > ends:
            return False
        await asyncio.sleep(0.02)


@asynccontextmanager
async def second_replica(
    app: HelpdeskApp, settings: Settings
) -> AsyncIterator[tuple[HelpdeskApp, grpc.aio.Channel, grpc.aio.Channel]]:
    """Another started server beside `app` on the same PostgreSQL and Redis, and a channel to each (A, then B).

    The second server stops (1 s grace) when the block ends.
    """
    other = await HelpdeskApp.create(settings)
    await other.start()
    try:
        async with (
            grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as to_a,
            grpc.aio.insecure_channel(f"127.0.0.1:{other.port}") as to_b,
        ):
            yield other, to_a, to_b
    finally:
        await other.stop(grace=1.0)


@asynccontextmanager
async def serving_on_its_own_redis(
    settings: Settings, directory: Path
) -> AsyncIterator[tuple[HelpdeskApp, grpc.aio.Channel, EmbeddedRedis]]:
    """A started server on a Redis of its own (kept under `directory`), a channel to it, and that Redis.

    For tests that stop and start Redis under a server: the shared one stays up for everyone else.
    The server stops (1 s grace), then its Redis, when the block ends.
    """
    redis = EmbeddedRedis(directory / "redis", persist=False)
    await asyncio.to_thread(redis.start)
    try:
        app = await HelpdeskApp.create(settings.replace(redis_url=redis.url))
        await app.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
                yield app, channel, redis
        finally:
            await app.stop(grace=1.0)
    finally:
        await asyncio.to_thread(redis.stop)


def error_details(error: grpc.aio.AioRpcError) -> list[Message]:
    """The google.rpc detail messages of a failed call, unpacked."""
    status = rpc_status.from_call(error)
    if status is None:
        return []
    unpacked: list[Message] = []
    for holder in status.details:
        for kind in (
            error_details_pb2.BadRequest,
            error_details_pb2.ErrorInfo,
            error_details_pb2.RetryInfo,
        ):
            if holder.Is(kind.DESCRIPTOR):
                message = kind()
                holder.Unpack(message)
                unpacked.append(message)
    return unpacked


def bad_fields(error: grpc.aio.AioRpcError) -> set[str]:
    """The field paths named by a BadRequest detail."""
    return {
        violation.field
        for detail in error_details(error)
        if isinstance(detail, error_details_pb2.BadRequest)
        for violation in detail.field_violations
    }


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 made with openssl: (cert, key) PEM files."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def local_gateway_options(*upstream_ports: int, descriptor_path: Path, **options: Any) -> GatewayOptions:
    """Gateway options for a test: Envoy on free local ports in front of servers on `upstream_ports`."""
    return GatewayOptions(
        listen_host="127.0.0.1",
        listen_port=0,
        admin_port=0,
        upstreams=tuple(("127.0.0.1", port) for port in upstream_ports),
        descriptor_path=descriptor_path,
        **options,
    )


@asynccontextmanager
async def running_gateway(directory: Path, options: GatewayOptions) -> AsyncIterator[EmbeddedEnvoy]:
    """A real Envoy rendered from the project's template, started and stopped around the block."""
    envoy = EmbeddedEnvoy(directory, options, concurrency=1)
    # Envoy's start waits for its first health check, which the caller's event loop must answer.
    await asyncio.to_thread(envoy.start)
    try:
        yield envoy
    finally:
        await asyncio.to_thread(envoy.stop)


@contextmanager
def running_site(routes: Sequence[SiteRoute], directory: Path) -> Iterator[StaticSite]:
    """The web app's file server (the process `helpdesk dev` runs) over `routes`, logging into `directory`."""
    site = StaticSite(routes, log_path=directory / "static.log")
    site.start()
    try:
        yield site
    finally:
        site.stop()


@asynccontextmanager
async def running_site_gateway(
    app: HelpdeskApp, site: StaticSite, directory: Path, *, descriptor_path: Path
) -> AsyncIterator[str]:
    """Envoy in front of `app` and the file server, routed as `make run` does; yields its base URL."""
    assert app.port is not None
    options = local_gateway_options(app.port, descriptor_path=descriptor_path, static_upstreams=(site.address,))
    async with running_gateway(directory, options) as envoy:
        yield envoy.url

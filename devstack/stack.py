"""`helpdesk dev`: PostgreSQL, Redis, the gRPC server and Envoy on one machine, data under one directory.

The data directory's layout is in `devstack.data_dir`.

Every embedded process runs in its own session, so Ctrl+C reaches only `helpdesk dev`, which
stops them in order: the server drains first (Envoy still forwarding), then Envoy, Redis and
PostgreSQL.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import shlex
import shutil
import signal
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from devstack.data_dir import (
    DATABASE_NAME,
    DEFAULT_DATA_DIR,
    DevLock,
    StackError,
    prepare_data_dir,
    stop_leftover_processes,
)
from devstack.envoy import DEV_CORS_ORIGINS, EmbeddedEnvoy
from devstack.postgres import EmbeddedPostgres
from devstack.redis import EmbeddedRedis
from devstack.seed import DEMO_USERS, seed_demo_data
from devstack.static import DEFAULT_WEB_ROOT, StaticSite, app_routes
from server.gateway import DEFAULT_DESCRIPTOR_PATH, GatewayOptions, check_cors_origins
from server.settings import Settings
from server.shutdown import shutdown_step

if TYPE_CHECKING:
    from server.app import HelpdeskApp

_log = logging.getLogger(__name__)

# In-flight calls get this long to finish on Ctrl+C (unless HELPDESK_SHUTDOWN_GRACE_SECONDS says otherwise).
DEV_SHUTDOWN_GRACE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class DevStackOptions:
    """What `helpdesk dev` may be told; everything else is fixed."""

    data_dir: Path = DEFAULT_DATA_DIR
    host: str = "127.0.0.1"
    grpc_port: int = 50051
    gateway_port: int = 8080
    # 0: any free port (printed in the banner).
    envoy_admin_port: int = 0
    redis_port: int = 0
    cors_origins: tuple[str, ...] = DEV_CORS_ORIGINS
    descriptor_path: Path = DEFAULT_DESCRIPTOR_PATH
    # Server replicas behind Envoy's round robin: the first on `grpc_port`, the others on free ports.
    replicas: int = 1
    # The built web app (`make web`), served behind Envoy on every path that is not an API call.
    web_root: Path = DEFAULT_WEB_ROOT

    def __post_init__(self) -> None:
        check_cors_origins(self.cors_origins)
        if not 1 <= self.replicas <= 16:
            raise StackError("--replicas must be between 1 and 16")


class DevStack:
    """The whole development stack; `start` brings it up, `stop` takes it down in order."""

    def __init__(self, options: DevStackOptions, *, env: Mapping[str, str] | None = None) -> None:
        self.options = options
        self.data_dir = options.data_dir.resolve()
        self._env = dict(os.environ if env is None else env)
        self._lock = DevLock(self.data_dir)
        self.postgres = EmbeddedPostgres(self.data_dir / "postgres")
        self.redis = EmbeddedRedis(self.data_dir / "redis", port=options.redis_port or None, persist=True)
        self.envoy: EmbeddedEnvoy | None = None
        self.static_site = StaticSite(app_routes(options.web_root), log_path=self.data_dir / "web" / "static.log")
        self.settings: Settings | None = None
        self.grpc_port: int | None = None
        self.seeded_now: list[str] = []
        # Imported lazily: one-off commands use this module without the whole server.
        self._app: HelpdeskApp | None = None
        # Replicas beyond the first (`--replicas N`), same process, each its own gRPC server.
        self._extra_apps: list[HelpdeskApp] = []
        self.replica_ports: list[int] = []
        self._postgres_ours = False

    async def start(self) -> None:
        """Starts PostgreSQL, Redis, migrations, seeding, the server and Envoy; undoes it all on failure."""
        # Settings first: a bad HELPDESK_* variable should fail before anything starts.
        base_settings = self._base_settings()
        prepare_data_dir(self.data_dir)
        self._lock.acquire()
        try:
            # Leftovers first: an Envoy left behind by a crashed run would hold the gateway port.
            await asyncio.to_thread(stop_leftover_processes, self.data_dir)
            self._check_ports()
            await asyncio.to_thread(self._start_postgres)
            await asyncio.to_thread(self.redis.start)
            settings = base_settings.replace(database_url=self.postgres.url(DATABASE_NAME), redis_url=self.redis.url)
            self.settings = settings
            self.seeded_now = await seed_demo_data(settings=settings, state_path=self.data_dir / "seed-state.json")
            await self._start_server(settings)
            assert self.grpc_port is not None
            await asyncio.to_thread(self.static_site.start)
            self.envoy = EmbeddedEnvoy(
                self.data_dir / "envoy",
                GatewayOptions(
                    listen_host=self.options.host,
                    listen_port=self.options.gateway_port,
                    admin_port=self.options.envoy_admin_port,
                    upstreams=tuple((_connectable(self.options.host), port) for port in self.replica_ports),
                    descriptor_path=self.options.descriptor_path,
                    cors_origins=self.options.cors_origins,
                    # A replica restarted by hand comes back into rotation quickly.
                    health_check_interval_seconds=2.0,
                    static_upstreams=(self.static_site.address,),
                ),
            )
            await asyncio.to_thread(self.envoy.start)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stops the server (gracefully), then Envoy, Redis and PostgreSQL; safe to call twice."""
        extra_apps, self._extra_apps = self._extra_apps, []
        for extra in extra_apps:
            await shutdown_step("gRPC server replica", extra.stop(), seconds=math.inf)
        if self._app is not None:
            app, self._app = self._app, None
            await shutdown_step("gRPC server", app.stop(), seconds=math.inf)
        if self.envoy is not None:
            await shutdown_step("Envoy", asyncio.to_thread(self.envoy.stop), seconds=math.inf)
        await shutdown_step("web file server", asyncio.to_thread(self.static_site.stop), seconds=math.inf)
        await shutdown_step("Redis", asyncio.to_thread(self.redis.stop), seconds=math.inf)
        if self._postgres_ours:
            self._postgres_ours = False
            await shutdown_step("PostgreSQL", asyncio.to_thread(self.postgres.stop), seconds=math.inf)
        self._lock.release()

    def banner(self) -> str:
        """Every address of the running stack, the demo accounts and a first curl to try."""
        assert self.envoy is not None
        assert self.settings is not None
        gateway = self.envoy.url
        customer = next(u for u in DEMO_USERS if u.role == "customer")
        rows = [
            ("Web app (open in a browser)", f"{gateway}/" + _unbuilt_note(self.options.web_root)),
            ("API reference (try calls with a token)", f"{gateway}/docs/"),
            ("Gateway: JSON/REST, gRPC-Web, gRPC, Connect", gateway),
            ("gRPC, direct to the server", f"{self.options.host}:{self.grpc_port}"),
            *(
                [("Replicas (round robin behind Envoy)", ", ".join(str(p) for p in self.replica_ports))]
                if len(self.replica_ports) > 1
                else []
            ),
            ("PostgreSQL (DATABASE_URL)", self.settings.database_url),
            ("Redis (REDIS_URL)", self.settings.redis_url),
            ("Envoy admin", self.envoy.admin_url),
            ("Prometheus metrics", _metrics_url(self._app)),
            ("Data dir", str(self.data_dir)),
            (
                "Logs",
                ", ".join(
                    str(path)
                    for path in (
                        self.envoy.log_path,
                        self.static_site.log_path,
                        self.postgres.data_dir / "server.log",
                        self.redis.data_dir / "redis.log",
                    )
                ),
            ),
        ]
        width = max(len(label) for label, _ in rows)
        lines = ["", "Helpdesk dev stack is up.", ""]
        lines += [f"  {label:<{width}}  {value}" for label, value in rows]
        lines += ["", "Demo accounts (email / password):"]
        lines += [f"  {u.role:<8}  {u.email:<26}  {u.password}" for u in DEMO_USERS]
        lines += [
            "",
            "Sign in through the gateway:",
            f"  curl -s -X POST {gateway}/v1/auth:login \\",
            f'       -d \'{{"email": "{customer.email}", "password": "{customer.password}"}}\'',
            "Add an agent to this running stack:",
            f"  {_this_command()} create-user --data-dir {self.data_dir} --role agent "
            "--email new.agent@example.com --password 'choose-a-password'",
            "",
            "Press Ctrl+C to stop.",
            "",
        ]
        return "\n".join(lines)

    def _base_settings(self) -> Settings:
        settings = Settings.from_env(self._env, production=False).replace(
            grpc_host=self.options.host,
            grpc_port=self.options.grpc_port,
            log_format="console",
        )
        changes: dict[str, object] = {}
        # Envoy is in front and appends the client address to x-forwarded-for.
        if not self._env.get("HELPDESK_TRUSTED_PROXY_HOPS"):
            changes["trusted_proxy_hops"] = 1
        if not self._env.get("HELPDESK_SHUTDOWN_GRACE_SECONDS"):
            changes["shutdown_grace_seconds"] = DEV_SHUTDOWN_GRACE_SECONDS
        if not self._env.get("HELPDESK_METRICS_PORT"):
            changes["metrics_port"] = 0  # any free port, printed in the banner
        return settings.replace(**changes)

    def _check_ports(self) -> None:
        host = self.options.host
        wanted = [
            (self.options.grpc_port, "gRPC", "--grpc-port"),
            (self.options.gateway_port, "gateway", "--gateway-port"),
            (self.options.envoy_admin_port, "Envoy admin", "--envoy-admin-port"),
            (self.options.redis_port, "Redis", "--redis-port"),
        ]
        busy = [(port, what, flag) for port, what, flag in wanted if port and not port_is_free(host, port)]
        if busy:
            details = "; ".join(f"{what} port {port} (choose another with {flag})" for port, what, flag in busy)
            raise StackError(f"port already in use on {host}: {details}")

    def _start_postgres(self) -> None:
        if not self.postgres.start():
            # Not started by this process, yet no other `helpdesk dev` holds the lock: left
            # behind by a crashed run or started by a one-off command. It is ours now.
            _log.info("using the PostgreSQL already running in %s", self.postgres.data_dir)
        self._postgres_ours = True
        self.postgres.ensure_database(DATABASE_NAME)
        from storage.migrations import upgrade_to_head

        upgrade_to_head(self.postgres.url(DATABASE_NAME))

    async def _start_server(self, settings: Settings) -> None:
        from server.app import HelpdeskApp

        app = await HelpdeskApp.create(settings)
        self._app = app
        self.grpc_port = await app.start()
        self.replica_ports = [self.grpc_port]
        for _ in range(self.options.replicas - 1):
            # Any free port, for gRPC and for its own /metrics when metrics are on.
            changes: dict[str, object] = {"grpc_port": 0}
            if settings.metrics_port is not None:
                changes["metrics_port"] = 0
            extra = await HelpdeskApp.create(settings.replace(**changes))
            self._extra_apps.append(extra)
            self.replica_ports.append(await extra.start())


def _unbuilt_note(web_root: Path) -> str:
    """A hint when the app has not been built (`helpdesk dev` run directly rather than `make run`)."""
    return "" if (web_root / "index.html").is_file() else "  (not built yet: run `make web`)"


def _metrics_url(app: HelpdeskApp | None) -> str:
    """Where the server's /metrics answers, or how to turn it on."""
    if app is None or app.metrics_port is None:
        return "off (set HELPDESK_METRICS_PORT)"
    return f"http://{_connectable(app.settings.metrics_host)}:{app.metrics_port}/metrics"


async def run_dev_stack(options: DevStackOptions, *, out: TextIO) -> None:
    """Runs the stack until SIGINT or SIGTERM, printing the banner to `out` once it is up."""
    stack = DevStack(options)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    try:
        await stack.start()
        if stack.seeded_now:
            _log.info("seeded demo data: %s", ", ".join(stack.seeded_now))
        out.write(stack.banner())
        out.flush()
        await stopping.wait()
        _log.info("stopping the dev stack")
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await stack.stop()
    _log.info("dev stack stopped")


def _this_command() -> str:
    """How the person at the terminal ran `helpdesk` (a venv path if it is not on PATH)."""
    invoked = sys.argv[0]
    on_path = shutil.which("helpdesk")
    if Path(invoked).name != "helpdesk" or (on_path and Path(on_path).resolve() == Path(invoked).resolve()):
        return "helpdesk"
    return shlex.quote(invoked)


def _connectable(host: str) -> str:
    """An address to reach a server listening on `host` (a wildcard address means this machine)."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104


def port_is_free(host: str, port: int) -> bool:
    """Whether nothing listens on host:port (a port in TIME_WAIT counts as free, as servers reuse it)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True

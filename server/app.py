"""The Helpdesk gRPC server: built from one Settings object, started, and stopped gracefully."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from redis.asyncio import Redis

from helpdesk.v1 import (
    assignment_service_pb2_grpc,
    auth_service_pb2_grpc,
    canned_response_service_pb2_grpc,
    chat_service_pb2_grpc,
    macro_service_pb2_grpc,
    privacy_service_pb2_grpc,
    report_service_pb2_grpc,
    sla_service_pb2_grpc,
    ticket_service_pb2_grpc,
    user_service_pb2_grpc,
)
from server.api import API_SERVICES
from server.assignment.wiring import Assignment
from server.auth.domain import AuthDomain
from server.auth.principal_cache import PrincipalCache
from server.auth.servicer import AuthServicer
from server.chat.servicer import ChatServicer
from server.chat.wiring import LiveChat
from server.core.access import AccessPolicy
from server.core.encoded_answers import add_with_encoded_answers
from server.core.errors import ConfigurationError
from server.core.interceptors import ServerInterceptor
from server.core.metrics import Metrics, MetricsServer
from server.core.rate_limit import RateLimiter
from server.health import HealthReporter
from server.knowledge.wiring import Knowledge
from server.macros.wiring import MacroParts
from server.privacy.wiring import Privacy
from server.reflection import enable_reflection
from server.reports.wiring import ReportParts
from server.responses.wiring import Responses
from server.settings import Settings
from server.shutdown import shutdown_step
from server.sla.bookkeeping import SlaBookkeeping
from server.sla.clock import Clock, system_clock
from server.sla.wiring import Sla
from server.tickets.wiring import Tickets
from server.users.domain import UserAdmin
from server.users.passwords import PasswordHasher
from server.users.servicer import UserServicer
from storage.db import Database
from storage.redis import create_redis

_log = logging.getLogger(__name__)

# How long past the grace period grpc may take to confirm a stop.
_STOP_CONFIRM_SECONDS = 3.0


def open_database(settings: Settings) -> Database:
    """The process's database, sized by its settings (connects lazily, on first use)."""
    return Database.create(
        url=settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
    )


@dataclass(frozen=True, slots=True)
class Resources:
    """The process's connections and shared workers, created once and closed on shutdown."""

    database: Database
    redis: Redis
    hasher: PasswordHasher
    # This process's Prometheus metrics (its own registry); domains count through it.
    metrics: Metrics

    async def close(self) -> None:
        """Closes connections and worker threads."""
        await self.database.dispose()
        await self.redis.aclose()
        self.hasher.close()


class HelpdeskApp:
    """One server process: the grpc.aio server, its resources and its health reporter."""

    def __init__(
        self,
        *,
        settings: Settings,
        resources: Resources,
        server: grpc.aio.Server,
        health: HealthReporter,
        auth: AuthDomain,
        users: UserAdmin,
        knowledge: Knowledge | None = None,
        chat: LiveChat | None = None,
        tickets: Tickets | None = None,
        privacy: Privacy | None = None,
        assignment: Assignment | None = None,
        sla: Sla | None = None,
        reports: ReportParts | None = None,
    ) -> None:
        self.settings = settings
        self.resources = resources
        self.server = server
        self.health = health
        self.auth = auth
        self.users = users
        self.knowledge = knowledge
        self.chat = chat
        self.tickets = tickets
        self.privacy = privacy
        self.assignment = assignment
        self.sla = sla
        self.reports = reports
        self.port: int | None = None
        # The bound `/metrics` port once started (None when metrics are off).
        self.metrics_port: int | None = None
        self._metrics_server: MetricsServer | None = None

    @classmethod
    async def create(cls, settings: Settings, *, clock: Clock = system_clock) -> HelpdeskApp:
        """Builds the server and its resources; nothing is listening until `start`.

        `clock` is the time SLA bookkeeping reads (tests move it by hand).
        """
        resources = Resources(
            database=open_database(settings),
            redis=create_redis(settings.redis_url),
            hasher=PasswordHasher(cost=settings.bcrypt_cost, max_concurrency=settings.bcrypt_max_concurrency),
            metrics=Metrics(),
        )
        resources.metrics.watch_database_pool(resources.database.engine)
        auth = AuthDomain(
            settings=settings,
            database=resources.database,
            redis=resources.redis,
            hasher=resources.hasher,
            metrics=resources.metrics,
        )
        principals = PrincipalCache(resources.redis, revocation_ttl=settings.access_token_ttl)
        users = UserAdmin(database=resources.database, hasher=resources.hasher, sessions=principals)
        policy = AccessPolicy.from_services(API_SERVICES)
        limiter = (
            RateLimiter(resources.redis, settings=settings, metrics=resources.metrics)
            if settings.rate_limit_enabled
            else None
        )
        interceptor = ServerInterceptor(
            policy=policy,
            authenticator=auth,
            metrics=resources.metrics,
            limiter=limiter,
            trusted_proxy_hops=settings.trusted_proxy_hops,
        )
        bare = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", settings.max_message_bytes),
                ("grpc.max_send_message_length", settings.max_message_bytes),
                # Keep idle connections (long chat streams behind proxies) alive and detect dead peers.
                ("grpc.keepalive_time_ms", 30_000),
                ("grpc.keepalive_timeout_ms", 10_000),
                ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
                ("grpc.keepalive_permit_without_calls", 1),
                ("grpc.so_reuseport", 1 if settings.grpc_reuse_port else 0),
            ],
        )
        # Only this one is used from here on: whatever is added to it is authenticated and checked.
        server = interceptor.around(bare)
        auth_servicer = AuthServicer(auth=auth)
        add_with_encoded_answers(
            auth_service_pb2_grpc.add_AuthServiceServicer_to_server,
            auth_servicer,
            server,
            auth_servicer.encoded_answers(),
        )
        user_service_pb2_grpc.add_UserServiceServicer_to_server(UserServicer(users=users), server)
        # Tickets and chat tell automatic assignment what happens; it reports its work through them.
        assignment = Assignment(settings=settings, database=resources.database, redis=resources.redis)
        bookkeeping = SlaBookkeeping(clock=clock)
        tickets = Tickets.create(
            settings=settings,
            database=resources.database,
            redis=resources.redis,
            metrics=resources.metrics,
            assignment=assignment,
            sla=bookkeeping,
        )
        add_with_encoded_answers(
            ticket_service_pb2_grpc.add_TicketServiceServicer_to_server,
            tickets.servicer,
            server,
            tickets.servicer.encoded_answers(),
        )
        sla = Sla.create(
            settings=settings,
            database=resources.database,
            metrics=resources.metrics,
            bookkeeping=bookkeeping,
            changes=tickets.live.feed,
        )
        sla_service_pb2_grpc.add_SlaServiceServicer_to_server(sla.servicer, server)
        knowledge = Knowledge.create(settings=settings, database=resources.database, redis=resources.redis)
        knowledge.add_to_server(server)
        chat = LiveChat(settings=settings, database=resources.database, redis=resources.redis, assignment=assignment)
        chat_service_pb2_grpc.add_ChatServiceServicer_to_server(
            ChatServicer(chat=chat, tickets=assignment.chat_tickets), server
        )
        assignment.connect(ticket_changes=tickets.live.feed, chat_acceptor=chat.sessions)
        assignment_service_pb2_grpc.add_AssignmentServiceServicer_to_server(assignment.servicer, server)
        responses = Responses.create(database=resources.database)
        canned_response_service_pb2_grpc.add_CannedResponseServiceServicer_to_server(responses.servicer, server)
        macros = MacroParts.create(
            database=resources.database, changes=tickets.live.feed, sla=bookkeeping, assignment=assignment
        )
        macro_service_pb2_grpc.add_MacroServiceServicer_to_server(macros.servicer, server)
        privacy = Privacy.create(
            settings=settings,
            database=resources.database,
            hasher=resources.hasher,
            sessions=principals,
            changes=tickets.live.feed,
        )
        privacy_service_pb2_grpc.add_PrivacyServiceServicer_to_server(privacy.servicer, server)
        reports = ReportParts.create(settings=settings, database=resources.database)
        report_service_pb2_grpc.add_ReportServiceServicer_to_server(reports.servicer, server)

        health_servicer = HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
        health = HealthReporter(
            servicer=health_servicer,
            probes={"postgresql": resources.database.ping, "redis": resources.redis.ping},
            service_names=[s.full_name for s in API_SERVICES],
            # The knowledge base reads and searches from PostgreSQL alone when Redis is down; chat
            # streams fall back to polling PostgreSQL; canned responses, macros and reports live in
            # PostgreSQL (ticket watchers are woken by polling then).
            serving_without={
                "redis": {
                    "helpdesk.v1.KnowledgeService",
                    "helpdesk.v1.ChatService",
                    "helpdesk.v1.CannedResponseService",
                    "helpdesk.v1.MacroService",
                    "helpdesk.v1.ReportService",
                }
            },
        )
        enable_reflection(
            server, [*(s.full_name for s in API_SERVICES), health_pb2.DESCRIPTOR.services_by_name["Health"].full_name]
        )
        return cls(
            settings=settings,
            resources=resources,
            server=server,
            health=health,
            auth=auth,
            users=users,
            knowledge=knowledge,
            chat=chat,
            tickets=tickets,
            privacy=privacy,
            assignment=assignment,
            sla=sla,
            reports=reports,
        )

    async def start(self) -> int:
        """Binds the port, checks the dependencies once, starts serving; returns the bound port."""
        address = f"{self.settings.grpc_host}:{self.settings.grpc_port}"
        credentials = server_credentials(self.settings)
        if credentials is None:
            self.port = self.server.add_insecure_port(address)
        else:
            self.port = self.server.add_secure_port(address, credentials)
        if self.port == 0:
            raise OSError(f"cannot listen on {address}")
        await self.health.check_once()
        self.auth.start()
        if self.chat is not None:
            await self.chat.start()
        if self.tickets is not None:
            await self.tickets.live.start()
        await self.server.start()
        self.health.start()
        if self.knowledge is not None:
            self.knowledge.start()
        if self.privacy is not None:
            self.privacy.start()
        if self.assignment is not None:
            self.assignment.start()
        if self.sla is not None:
            self.sla.start()
        if self.reports is not None:
            self.reports.start()
        _log.info("serving gRPC%s on %s:%d", " over TLS" if credentials else "", self.settings.grpc_host, self.port)
        metrics_port = self.settings.metrics_port
        if metrics_port is not None and metrics_port >= 0:
            self._metrics_server = await asyncio.to_thread(
                MetricsServer.start, self.resources.metrics, host=self.settings.metrics_host, port=metrics_port
            )
            self.metrics_port = self._metrics_server.port
        return self.port

    async def stop(self, grace: float | None = None) -> None:
        """Graceful stop: health NOT_SERVING, in-flight calls get `grace` seconds, then resources close.

        Every step is bounded: a step that overruns is named in the log and left behind, and the
        remaining steps still run, so a stuck background job can never keep the process (or a
        test's teardown) from ending, nor keep the pools from closing.

        Every background job using PostgreSQL or Redis is stopped and awaited to its end before the
        pools close, and closing the PostgreSQL pool waits briefly for connections still in use
        (calls grpc cancelled, still rolling back) and terminates any left: no connection outlives
        the stop, and PostgreSQL sees every backend of this process end.
        """
        grace = self.settings.shutdown_grace_seconds if grace is None else grace
        await shutdown_step("health", self.health.shutdown())
        if self.chat is not None:
            # Ends open chat streams at once (UNAVAILABLE: clients resume elsewhere with after_seq),
            # those in the middle of a read included.
            self.chat.end_streams()
        if self.tickets is not None:
            self.tickets.live.end_streams()
        # grpc.aio's stop now and then never completes (grpcio 1.85, seen in tests when a server is
        # stopped a moment after it started): by then the listener is closed and calls are
        # cancelled, so a bounded wait keeps the shutdown going (the view flush, closing pools).
        await shutdown_step("gRPC server", self.server.stop(grace), seconds=grace + _STOP_CONFIRM_SECONDS)
        if self.assignment is not None:
            await shutdown_step("assignment sweep", self.assignment.stop())
        if self.chat is not None:
            await shutdown_step("chat fan-out", self.chat.stop())
            await shutdown_step("chat Redis clients", self.chat.close())
        if self.sla is not None:
            await shutdown_step("SLA breach job", self.sla.stop())
        if self.tickets is not None:
            await shutdown_step("ticket feed", self.tickets.live.stop())
        if self.privacy is not None:
            await shutdown_step("retention job", self.privacy.stop())
        if self.reports is not None:
            # It folds in its own transactions, so stopping it at any point loses nothing.
            await shutdown_step("report rollup", self.reports.stop())
        if self.knowledge is not None:
            # After the drain: every view counted by a finished call is flushed to PostgreSQL.
            await shutdown_step("view counter flush", self.knowledge.stop())
        if self._metrics_server is not None:
            await shutdown_step("metrics endpoint", asyncio.to_thread(self._metrics_server.stop))
            self._metrics_server = None
        await shutdown_step("auth", self.auth.close())
        await shutdown_step("pools", self.resources.close())
        _log.info("server stopped")

    async def wait_for_termination(self) -> None:
        """Returns when the server has stopped."""
        await self.server.wait_for_termination()


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """TLS credentials from the settings' PEM files, or None to serve plaintext (behind Envoy)."""
    if settings.tls_cert_file is None or settings.tls_key_file is None:
        return None
    try:
        with open(settings.tls_key_file, "rb") as key, open(settings.tls_cert_file, "rb") as cert:
            pair = (key.read(), cert.read())
    except OSError as exc:
        raise ConfigurationError(f"cannot read the TLS certificate or key: {exc}") from exc
    return grpc.ssl_server_credentials([pair])


async def serve(settings: Settings, *, on_started: Callable[[int], None] | None = None) -> None:
    """Runs a server until SIGTERM or SIGINT, then stops it gracefully."""
    app = await HelpdeskApp.create(settings)
    port = await app.start()
    # Everything alive now (modules, descriptors, compiled statements) lives as long as the process:
    # moved out of the collector's generations, a full collection under load walks only what the
    # calls allocated, not the ~100k objects the imports made.
    gc.freeze()
    if on_started is not None:
        on_started(port)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    try:
        await stopping.wait()
        _log.info("shutting down (grace %.1fs)", settings.shutdown_grace_seconds)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await app.stop()

"""The Helpdesk gRPC server: built from one Settings object, started, and stopped gracefully."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection
from redis.asyncio import Redis

from helpdesk.v1 import auth_service_pb2_grpc, user_service_pb2_grpc
from server.api import API_SERVICES
from server.auth.domain import AuthDomain
from server.auth.passwords import PasswordHasher
from server.auth.servicer import AuthServicer
from server.core.access import AccessPolicy
from server.core.interceptors import (
    AccessInterceptor,
    AuthenticationInterceptor,
    ErrorInterceptor,
    RequestContextInterceptor,
)
from server.health import HealthReporter
from server.settings import Settings
from server.unimplemented import unimplemented_service
from server.users.domain import UserAdmin
from server.users.servicer import UserServicer
from storage.db import Database
from storage.redis import create_redis

_log = logging.getLogger(__name__)

# Services with a real servicer; every other API service answers UNIMPLEMENTED until it lands.
_IMPLEMENTED = {"helpdesk.v1.AuthService", "helpdesk.v1.UserService"}


@dataclass(frozen=True, slots=True)
class Resources:
    """The process's connections and shared workers, created once and closed on shutdown."""

    database: Database
    redis: Redis
    hasher: PasswordHasher

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
    ) -> None:
        self.settings = settings
        self.resources = resources
        self.server = server
        self.health = health
        self.auth = auth
        self.users = users
        self.port: int | None = None

    @classmethod
    async def create(cls, settings: Settings) -> HelpdeskApp:
        """Builds the server and its resources; nothing is listening until `start`."""
        resources = Resources(
            database=Database.create(
                url=settings.database_url,
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
                pool_timeout=settings.db_pool_timeout_seconds,
            ),
            redis=create_redis(settings.redis_url),
            hasher=PasswordHasher(cost=settings.bcrypt_cost, max_concurrency=settings.bcrypt_max_concurrency),
        )
        auth = AuthDomain(
            settings=settings, database=resources.database, redis=resources.redis, hasher=resources.hasher
        )
        users = UserAdmin(
            settings=settings, database=resources.database, redis=resources.redis, hasher=resources.hasher
        )
        policy = AccessPolicy.from_services(API_SERVICES)
        server = grpc.aio.server(
            interceptors=[
                RequestContextInterceptor(trusted_proxy_hops=settings.trusted_proxy_hops),
                ErrorInterceptor(),
                AuthenticationInterceptor(policy=policy, authenticator=auth),
                AccessInterceptor(policy=policy),
            ],
            options=[
                ("grpc.max_receive_message_length", settings.max_message_bytes),
                ("grpc.max_send_message_length", settings.max_message_bytes),
                # Keep idle connections (long chat streams behind proxies) alive and detect dead peers.
                ("grpc.keepalive_time_ms", 30_000),
                ("grpc.keepalive_timeout_ms", 10_000),
                ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
                ("grpc.keepalive_permit_without_calls", 1),
                ("grpc.so_reuseport", 0),
            ],
        )
        auth_service_pb2_grpc.add_AuthServiceServicer_to_server(AuthServicer(auth=auth), server)
        user_service_pb2_grpc.add_UserServiceServicer_to_server(UserServicer(users=users), server)
        for service in API_SERVICES:
            if service.full_name not in _IMPLEMENTED:
                server.add_generic_rpc_handlers((unimplemented_service(service),))

        health_servicer = HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
        health = HealthReporter(
            servicer=health_servicer,
            probes={"postgresql": resources.database.ping, "redis": resources.redis.ping},
            service_names=[s.full_name for s in API_SERVICES],
        )
        reflection.enable_server_reflection(
            [
                *(s.full_name for s in API_SERVICES),
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                reflection.SERVICE_NAME,
            ],
            server,
        )
        return cls(settings=settings, resources=resources, server=server, health=health, auth=auth, users=users)

    async def start(self) -> int:
        """Binds the port, checks the dependencies once, starts serving; returns the bound port."""
        address = f"{self.settings.grpc_host}:{self.settings.grpc_port}"
        self.port = self.server.add_insecure_port(address)
        if self.port == 0:
            raise OSError(f"cannot listen on {address}")
        await self.health.check_once()
        await self.server.start()
        self.health.start()
        _log.info("serving gRPC on %s:%d", self.settings.grpc_host, self.port)
        return self.port

    async def stop(self, grace: float | None = None) -> None:
        """Graceful stop: health NOT_SERVING, in-flight calls get `grace` seconds, then resources close."""
        grace = self.settings.shutdown_grace_seconds if grace is None else grace
        await self.health.shutdown()
        await self.server.stop(grace)
        await self.resources.close()
        _log.info("server stopped")

    async def wait_for_termination(self) -> None:
        """Returns when the server has stopped."""
        await self.server.wait_for_termination()


async def serve(settings: Settings, *, on_started: Callable[[int], None] | None = None) -> None:
    """Runs a server until SIGTERM or SIGINT, then stops it gracefully."""
    app = await HelpdeskApp.create(settings)
    port = await app.start()
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

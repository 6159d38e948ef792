"""One settings object for a Helpdesk server process, built once in `main` and passed down."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from server.core.errors import ConfigurationError

# The development secret is public (it is in this file); `helpdesk serve` refuses it.
DEV_JWT_SECRET = "helpdesk-dev-secret-do-not-use-in-production-0123456789"  # noqa: S105 - public by design, refused in production
MIN_JWT_SECRET_BYTES = 32

LogFormat = Literal["json", "console"]


@dataclass(frozen=True, slots=True)
class RateBudget:
    """A request budget: a sustained rate per second and a burst allowed on top of an idle period."""

    per_second: float
    burst: int

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError("a rate budget needs per_second > 0 and burst >= 1")

    @classmethod
    def parse(cls, raw: str) -> RateBudget:
        """Parses `RATE:BURST` (requests per second, burst), for example `10:20`."""
        rate, sep, burst = raw.partition(":")
        if not sep:
            raise ValueError(f"expected RATE:BURST (requests per second:burst), got {raw!r}")
        return cls(per_second=float(rate), burst=int(burst))


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a server process needs to know, with production-sane defaults."""

    database_url: str
    redis_url: str
    jwt_secret: str = field(repr=False)
    production: bool = False

    # gRPC listener.
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 50051
    # Server processes `helpdesk serve` runs on that one port (server/workers.py explains the sizing).
    workers: int = 1
    # Set for each of those workers: the port is shared (SO_REUSEPORT). Off otherwise, so that a
    # second server started on a busy port fails instead of silently taking half its connections.
    grpc_reuse_port: bool = False
    # Seconds in-flight calls get to finish on SIGTERM/SIGINT before being cancelled.
    shutdown_grace_seconds: float = 10.0
    # Largest request or response message, in bytes.
    max_message_bytes: int = 4 * 1024 * 1024

    # Tokens.
    jwt_issuer: str = "helpdesk"
    jwt_audience: str = "helpdesk-api"
    access_token_ttl: timedelta = timedelta(minutes=15)
    refresh_token_ttl: timedelta = timedelta(days=30)

    # Passwords: bcrypt cost and how many hashes may run at once (each takes a core).
    bcrypt_cost: int = 12
    bcrypt_max_concurrency: int = 2

    # Failed-login limiting (Redis): per account and per client address, over a window.
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 20
    login_failure_window: timedelta = timedelta(minutes=5)

    # Client address: how many proxies (Envoy) in front of us append to x-forwarded-for.
    trusted_proxy_hops: int = 0

    # PostgreSQL pool.
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_pool_timeout_seconds: float = 5.0

    # Live chat: stream heartbeats, per-stream buffers, the PostgreSQL polling used when Redis is
    # unreachable (and, much slower, as a safety net when it is), typing and presence lifetimes.
    chat_heartbeat_seconds: float = 15.0
    chat_stream_buffer: int = 512
    chat_fallback_poll_seconds: float = 1.0
    chat_safety_poll_seconds: float = 10.0
    chat_typing_ttl_seconds: float = 5.0
    chat_presence_ttl_seconds: float = 60.0
    # Chat streams (StreamChat, Converse, WatchQueue) one user may hold open on one process at once.
    chat_max_streams_per_user: int = 16
    # WatchTickets: how long the ticket change log keeps changes (the oldest cursor a stream can
    # resume from), and how many streams one user may hold open on one process. Heartbeats,
    # buffers and polling follow the chat settings above.
    ticket_change_retention_seconds: float = 7 * 24 * 3600.0
    ticket_watch_max_streams_per_user: int = 16
    # Automatic assignment: how often each process hands out work that nothing triggered (a
    # safety net: new work, agents coming ONLINE and freed capacity trigger it at once).
    assignment_sweep_seconds: float = 15.0
    # SLA: how often each replica looks for tickets reaching a warning window or a due time (one
    # replica handles each ticket; a shorter interval only makes breach events more punctual).
    sla_check_interval_seconds: float = 15.0
    # Reports: how often each replica folds new ticket changes into the report rollups (one
    # replica at a time folds; reports trail the changes by about this much), and the changes
    # folded per transaction.
    report_rollup_interval_seconds: float = 5.0
    report_rollup_batch_size: int = 5000

    # Retention (PrivacyService): how often each process tries a pass of the retention job (one
    # process at a time does it; 0 = never from this process), and the rows deleted per batch.
    retention_interval_seconds: float = 3600.0
    retention_batch_size: int = 500

    # Knowledge base: Redis cache of article reads and search/list pages (off = always PostgreSQL,
    # as the cold benchmark runs), its TTL, and how often view counts are flushed to PostgreSQL.
    knowledge_cache_enabled: bool = True
    knowledge_cache_ttl_seconds: int = 3600
    knowledge_view_flush_seconds: float = 2.0

    # Logging.
    log_level: str = "INFO"
    log_format: LogFormat = "json"

    # General rate limiting (Redis, shared by all replicas): every call counts against its client
    # address and, when signed in, its user; the expensive RPCs also against their own budgets.
    rate_limit_enabled: bool = True
    rate_limit_per_ip: RateBudget = RateBudget(per_second=10, burst=20)
    rate_limit_per_user: RateBudget = RateBudget(per_second=10, burst=20)
    rate_limit_login: RateBudget = RateBudget(per_second=1, burst=10)
    rate_limit_register: RateBudget = RateBudget(per_second=0.2, burst=5)
    rate_limit_search: RateBudget = RateBudget(per_second=5, burst=20)
    rate_limit_start_chat: RateBudget = RateBudget(per_second=0.2, burst=5)

    # Prometheus /metrics over HTTP: 0 = any free port, None or -1 = off.
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = 9464

    # TLS served by this process itself (deployments without Envoy): PEM files, both or neither.
    tls_cert_file: str | None = None
    tls_key_file: str | None = None

    def __post_init__(self) -> None:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ConfigurationError("TLS needs both a certificate and a key file (HELPDESK_TLS_CERT_FILE/KEY_FILE)")

    def replace(self, **changes: object) -> Settings:
        """Returns a copy with `changes` applied (settings are immutable)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, production: bool) -> Settings:
        """Builds settings from `HELPDESK_*`, `DATABASE_URL` and `REDIS_URL` variables.

        In production `DATABASE_URL`, `REDIS_URL` and `HELPDESK_JWT_SECRET` are required and a
        weak or default JWT secret is refused; a `ConfigurationError` names what is wrong.
        """
        env = os.environ if env is None else env
        if production:
            missing = [n for n in ("DATABASE_URL", "REDIS_URL", "HELPDESK_JWT_SECRET") if not env.get(n)]
            if missing:
                raise ConfigurationError(f"missing required environment variable(s): {', '.join(missing)}")
        secret = env.get("HELPDESK_JWT_SECRET", DEV_JWT_SECRET)
        if production:
            _check_jwt_secret(secret)
        kwargs: dict[str, object] = {
            "database_url": env.get("DATABASE_URL", ""),
            "redis_url": env.get("REDIS_URL", ""),
            "jwt_secret": secret,
            "production": production,
        }
        for name, parse in _ENV_FIELDS.items():
            raw = env.get("HELPDESK_" + name.upper())
            if raw is not None and raw != "":
                try:
                    kwargs[name] = parse(raw)
                except ValueError as exc:
                    raise ConfigurationError(f"HELPDESK_{name.upper()}: {exc}") from exc
        return cls(**kwargs)  # type: ignore[arg-type]


def _check_jwt_secret(secret: str) -> None:
    if secret == DEV_JWT_SECRET:
        raise ConfigurationError("HELPDESK_JWT_SECRET is the public development secret; set a random one")
    if len(secret.encode()) < MIN_JWT_SECRET_BYTES:
        raise ConfigurationError(f"HELPDESK_JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes")
    if len(set(secret)) < 8:
        raise ConfigurationError("HELPDESK_JWT_SECRET is too repetitive to be a secret")


def _seconds(raw: str) -> timedelta:
    return timedelta(seconds=float(raw))


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a boolean: {raw!r}")


def _log_format(raw: str) -> str:
    if raw not in ("json", "console"):
        raise ValueError("must be 'json' or 'console'")
    return raw


# Settings that may be overridden as HELPDESK_<NAME>; durations are given in seconds.
_ENV_FIELDS: dict[str, Callable[[str], object]] = {
    "grpc_host": str,
    "grpc_port": int,
    "workers": int,
    "shutdown_grace_seconds": float,
    "max_message_bytes": int,
    "jwt_issuer": str,
    "jwt_audience": str,
    "access_token_ttl": _seconds,
    "refresh_token_ttl": _seconds,
    "bcrypt_cost": int,
    "bcrypt_max_concurrency": int,
    "login_max_failures_per_account": int,
    "login_max_failures_per_ip": int,
    "login_failure_window": _seconds,
    "trusted_proxy_hops": int,
    "db_pool_size": int,
    "db_max_overflow": int,
    "db_pool_timeout_seconds": float,
    "log_level": str,
    "log_format": _log_format,
    "chat_heartbeat_seconds": float,
    "chat_stream_buffer": int,
    "chat_fallback_poll_seconds": float,
    "chat_safety_poll_seconds": float,
    "chat_typing_ttl_seconds": float,
    "chat_presence_ttl_seconds": float,
    "chat_max_streams_per_user": int,
    "ticket_change_retention_seconds": float,
    "ticket_watch_max_streams_per_user": int,
    "retention_interval_seconds": float,
    "retention_batch_size": int,
    "assignment_sweep_seconds": float,
    "sla_check_interval_seconds": float,
    "report_rollup_interval_seconds": float,
    "report_rollup_batch_size": int,
    "knowledge_cache_enabled": _bool,
    "knowledge_cache_ttl_seconds": int,
    "knowledge_view_flush_seconds": float,
    "rate_limit_enabled": _bool,
    "rate_limit_per_ip": RateBudget.parse,
    "rate_limit_per_user": RateBudget.parse,
    "rate_limit_login": RateBudget.parse,
    "rate_limit_register": RateBudget.parse,
    "rate_limit_search": RateBudget.parse,
    "rate_limit_start_chat": RateBudget.parse,
    "metrics_host": str,
    "metrics_port": int,
    "tls_cert_file": str,
    "tls_key_file": str,
}

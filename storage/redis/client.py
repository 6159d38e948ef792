"""The Redis client of a process: short timeouts so that a dead Redis fails fast instead of hanging."""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

# A healthy Redis answers in well under a millisecond; a second means it is gone.
CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 1.0
HEALTH_CHECK_INTERVAL_SECONDS = 15


def create_redis(url: str, *, max_connections: int | None = None) -> aioredis.Redis:
    """A client for `url` (`redis://host:port/db`) returning `str` values. Connects lazily.

    One immediate retry covers a connection dropped while idle; anything longer is the caller's
    decision (fail closed, fall back to PostgreSQL). The caller closes it with `await aclose()`.
    """
    return aioredis.Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=READ_TIMEOUT_SECONDS,
        health_check_interval=HEALTH_CHECK_INTERVAL_SECONDS,
        retry=Retry(NoBackoff(), 1),
        max_connections=max_connections,
        client_name="helpdesk",
    )

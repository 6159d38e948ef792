"""The Redis client of a process: short timeouts so that a dead Redis fails fast instead of hanging."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# A healthy Redis answers in well under a millisecond; a second means it is gone.
CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 1.0
HEALTH_CHECK_INTERVAL_SECONDS = 15


class _Connection(aioredis.Connection):
    """redis-py's TCP connection, bounding each write with `asyncio.timeout` instead of `asyncio.wait_for`.

    With a socket timeout set, redis-py (8.1) sends every command through `asyncio.wait_for`,
    which on Python 3.11 wraps the write in a Task of its own: a task, its scheduling and an
    extra event-loop turn per Redis command (every rate-limited call, every cached search). The
    timeout and the failure handling are unchanged: a write that does not finish within the
    socket timeout, or fails, disconnects and raises redis-py's TimeoutError / ConnectionError.
    """

    async def send_packed_command(self, command: bytes | str | Iterable[bytes], check_health: bool = True) -> None:
        """Writes one packed command (see the class docstring for what differs from redis-py's)."""
        if not self.socket_timeout:
            await super().send_packed_command(command, check_health)
            return
        if not self.is_connected:
            await self.connect_check_health(check_health=False)
        if check_health:
            await self.check_health()  # type: ignore[no-untyped-call] # redis-py leaves it unannotated
        try:
            if isinstance(command, str):
                command = command.encode()
            if isinstance(command, bytes):
                command = [command]
            async with asyncio.timeout(self.socket_timeout):
                await self._send_packed_command(command)
        except TimeoutError:
            await self.disconnect(nowait=True)
            raise RedisTimeoutError("Timeout writing to socket") from None
        except OSError as e:
            await self.disconnect(nowait=True)
            err_no, errmsg = ("UNKNOWN", e.args[0]) if len(e.args) == 1 else (e.args[0], e.args[1])
            raise RedisConnectionError(f"Error {err_no} while writing to socket. {errmsg}.") from e
        except BaseException:
            # A write cut off part-way (cancelled) leaves the connection unusable.
            await self.disconnect(nowait=True)
            raise


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
        connection_class=_Connection,
    )

"""The one translation of Redis failures: every adapter raises RedisUnavailable, whatever went wrong."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from redis.exceptions import MaxConnectionsError, RedisError

# What a call to Redis raises when Redis cannot answer: its own errors (connection, timeout,
# refusal such as LOADING or READONLY), and the socket's.
REDIS_FAILURES: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)


class RedisUnavailable(Exception):
    """Redis could not answer (down, unreachable, too slow, refusing); the caller decides what that means."""


@contextlib.contextmanager
def unavailable_as_one_error() -> Iterator[None]:
    """Turns any Redis failure inside the block into RedisUnavailable (the original as its cause)."""
    try:
        yield
    except REDIS_FAILURES as exc:
        raise RedisUnavailable(str(exc) or type(exc).__name__) from exc


def refused(error: BaseException) -> bool:
    """True if Redis refused the connection (nothing listens): the command cannot have reached it.

    Any other failure (a timeout, a connection dropped after the command was written) leaves it
    unknown whether Redis ran the command.
    """
    return _caused_by(error, ConnectionRefusedError)


def exhausted(error: BaseException) -> bool:
    """True if no connection of the process's own pool came free in time: the command was never sent.

    That is the process's own load, not Redis failing: Redis answered every command the pool's
    connections carried meanwhile (those that it did not fail on their own).
    """
    return _caused_by(error, MaxConnectionsError)


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    """True if `error`, or any error in its chain of causes and contexts, is a `kind`."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False

"""Caches of "session -> caller", so that most calls authenticate without PostgreSQL or even Redis.

Two layers:

- **Redis** (shared by every replica): entries live `ttl` (30 s). Revoking a session deletes its
  entry AND leaves a revocation marker that outlives any entry a racing reader might still write,
  so a revoked session can never be resurrected by the cache.
- **In process** (per Redis client, so per replica): a principal read from Redis is kept for
  `local_ttl` (a few seconds) and answers without any round trip. Every revocation is also
  published on a Redis channel; each replica's subscriber drops the sessions named, so a revoked
  or deactivated session is refused on every replica as soon as the message arrives, not after
  the local TTL. The local layer is only used while that subscription is live: when it drops (or
  before it is started), every entry is forgotten and calls go to Redis again until it is back,
  since revocations published in between would have been missed.

Redis trouble is never fatal here: the caller falls back to PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import time
import uuid
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import timedelta

from redis.asyncio import Redis

from server.core.context import Principal, Role
from storage.redis import RedisUnavailable
from storage.redis.principals import PrincipalEntries, revocations

_log = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(seconds=30)
DEFAULT_LOCAL_TTL = timedelta(seconds=5)

# The subscriber pings when idle this long, and gives the connection up when nothing (not even the
# pong) came back for three times as long: a silently dead connection must not keep the layer on.
_PING_INTERVAL_SECONDS = 2.0
_RECONNECT_DELAY_SECONDS = 0.5
# A bound on the local layer (one entry per live session seen within `local_ttl`).
_MAX_LOCAL_ENTRIES = 50_000


class CacheVerdict(enum.Enum):
    """What the cache knows about a session besides a cached principal."""

    UNKNOWN = "unknown"  # not cached (or Redis unreachable): ask PostgreSQL
    REVOKED = "revoked"  # revoked recently: refuse without asking


class _LocalLayer:
    """The in-process layer of one Redis client, and the subscriber that keeps it honest."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._entries: dict[uuid.UUID, tuple[Principal, float]] = {}
        # Bumped by every drop: a reader whose Redis answer predates a drop must not store it.
        self.generation = 0
        self.live = False
        self._task: asyncio.Task[None] | None = None
        self._users = 0
        # Told of every session dropped (revoked here or announced by another replica).
        self.revocation_listeners: set[Callable[[Collection[uuid.UUID]], None]] = set()

    def get(self, session_id: uuid.UUID) -> Principal | None:
        """The locally cached caller of `session_id`, if live and fresh."""
        if not self.live:
            return None
        entry = self._entries.get(session_id)
        if entry is None:
            return None
        if entry[1] < time.monotonic():
            del self._entries[session_id]
            return None
        return entry[0]

    def put(self, principal: Principal, *, ttl: float, generation: int) -> None:
        """Keeps `principal` unless something was dropped since `generation` was read."""
        if not self.live or generation != self.generation:
            return
        if len(self._entries) >= _MAX_LOCAL_ENTRIES:
            now = time.monotonic()
            self._entries = {k: v for k, v in self._entries.items() if v[1] >= now}
            if len(self._entries) >= _MAX_LOCAL_ENTRIES:
                self._entries.clear()
        self._entries[principal.session_id] = (principal, time.monotonic() + ttl)

    def drop(self, session_ids: Iterable[uuid.UUID]) -> None:
        """Forgets the sessions."""
        self.generation += 1
        dropped = set(session_ids)
        for session_id in dropped:
            self._entries.pop(session_id, None)
        for listener in list(self.revocation_listeners):
            listener(dropped)

    def clear(self) -> None:
        """Forgets everything."""
        self.generation += 1
        self._entries.clear()

    def start(self) -> None:
        """Starts the subscriber (once per layer); the layer is on from its first subscription."""
        self._users += 1
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._listen(), name="principal-revocations")

    async def stop(self) -> None:
        """Stops the subscriber when its last user stops."""
        self._users = max(0, self._users - 1)
        if self._users or self._task is None:
            return
        task, self._task = self._task, None
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def _set_live(self, live: bool) -> None:
        # Either way the entries go: revocations may have been missed while not subscribed.
        self.clear()
        self.live = live

    async def _listen(self) -> None:
        failures = 0
        while True:
            try:
                async with revocations(self._redis) as subscription:
                    last_heard = last_ping = time.monotonic()
                    while True:
                        message = await subscription.next(wait_seconds=_PING_INTERVAL_SECONDS / 2)
                        now = time.monotonic()
                        if message is not None:
                            last_heard = now
                            self._handle(*message)
                            failures = 0
                            continue
                        if now - last_heard > 3 * _PING_INTERVAL_SECONDS:
                            raise RedisUnavailable("no answer from Redis on the revocations channel")
                        if now - last_ping >= _PING_INTERVAL_SECONDS:
                            last_ping = now
                            await subscription.ping()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the subscriber must survive anything and reconnect
                if failures == 0:
                    _log.warning("principal cache: revocations channel lost (%s); using Redis only", exc)
                failures += 1
            finally:
                self._set_live(False)
            await asyncio.sleep(_RECONNECT_DELAY_SECONDS)

    def _handle(self, kind: str, data: str) -> None:
        if kind == "subscribe":
            self._set_live(True)
            return
        if kind != "message":
            return
        ids = []
        for part in data.split(","):
            try:
                ids.append(uuid.UUID(part))
            except ValueError:
                continue
        self.drop(ids)


# One local layer per Redis client: the auth and user-admin domains of one replica share it, so a
# revocation made by either is seen by both at once, without waiting for its own message.
_LAYERS: weakref.WeakKeyDictionary[Redis, _LocalLayer] = weakref.WeakKeyDictionary()


def _layer_for(redis: Redis) -> _LocalLayer:
    layer = _LAYERS.get(redis)
    if layer is None:
        layer = _LAYERS[redis] = _LocalLayer(redis)
    return layer


class PrincipalCache:
    """Caches the Principal of a session for `ttl` (in process for `local_ttl`); remembers revocations."""

    def __init__(
        self,
        redis: Redis,
        *,
        ttl: timedelta = DEFAULT_TTL,
        revocation_ttl: timedelta,
        local_ttl: timedelta = DEFAULT_LOCAL_TTL,
    ) -> None:
        self._entries = PrincipalEntries(redis)
        self._ttl_ms = max(1, int(ttl.total_seconds() * 1000))
        # At least twice the entry TTL: longer than any entry a racing reader could still write.
        self._revocation_ttl_ms = max(2 * self._ttl_ms, int(revocation_ttl.total_seconds() * 1000))
        self._local_ttl = min(local_ttl, ttl).total_seconds()
        self._local = _layer_for(redis)

    def start(self) -> None:
        """Turns the in-process layer on (subscribes to revocations); without it, every read asks Redis."""
        self._local.start()

    @contextlib.contextmanager
    def on_revoked(self, listener: Callable[[Collection[uuid.UUID]], None]) -> Iterator[None]:
        """Calls `listener` with the ids of sessions revoked on any replica while the block runs.

        Only while `local_layer_live`: revocations announced while the layer is down are missed.
        """
        self._local.revocation_listeners.add(listener)
        try:
            yield
        finally:
            self._local.revocation_listeners.discard(listener)

    @property
    def local_layer_live(self) -> bool:
        """Whether the in-process layer is in use (subscribed to revocations right now)."""
        return self._local.live

    async def close(self) -> None:
        """Turns the in-process layer off (once every cache on this Redis client has closed)."""
        await self._local.stop()

    async def get(self, session_id: uuid.UUID) -> Principal | CacheVerdict:
        """The cached caller of `session_id`, or what else is known (no round trip, or one)."""
        local = self._local.get(session_id)
        if local is not None:
            return local
        generation = self._local.generation
        try:
            cached, revoked = await self._entries.read(session_id)
        except RedisUnavailable as exc:
            # Fail open to PostgreSQL, which knows every session: slower, never wrong.
            _log.warning("principal cache unreachable, checking PostgreSQL: %s", exc)
            return CacheVerdict.UNKNOWN
        if revoked:
            return CacheVerdict.REVOKED
        if cached is None:
            return CacheVerdict.UNKNOWN
        try:
            data = json.loads(cached)
            principal = Principal(user_id=uuid.UUID(data["u"]), role=Role(data["r"]), session_id=session_id)
        except (ValueError, KeyError, TypeError):
            _log.warning("ignoring a malformed principal cache entry")
            return CacheVerdict.UNKNOWN
        # Only an answer from Redis (which the revocation marker guards) is kept locally.
        self._local.put(principal, ttl=self._local_ttl, generation=generation)
        return principal

    async def put(self, principal: Principal) -> None:
        """Caches `principal` for its session in Redis (best effort)."""
        value = json.dumps({"u": str(principal.user_id), "r": principal.role.value})
        try:
            await self._entries.write(principal.session_id, value, ttl_ms=self._ttl_ms)
        except RedisUnavailable as exc:
            _log.warning("principal cache unreachable, not caching: %s", exc)

    async def invalidate(self, session_ids: Iterable[uuid.UUID]) -> None:
        """Forgets the sessions everywhere and marks them revoked (call after the revocation commits)."""
        ids = list(session_ids)
        if not ids:
            return
        self._local.drop(ids)
        try:
            await self._entries.revoke(ids, marker_ttl_ms=self._revocation_ttl_ms)
        except RedisUnavailable as exc:
            # Entries expire within the TTL anyway; PostgreSQL already says "revoked".
            _log.error("could not invalidate %d cached session(s); they expire within the TTL: %s", len(ids), exc)

"""Caches of "session -> caller" (and of callers' user records), so that most calls need no round trip.

Two layers for sessions:

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

User records (what GetCurrentUser answers) have the in-process layer only, filled from PostgreSQL
under the same rules (storage.redis.invalidations): every write to a user row drops the record on
its replica before the write is acknowledged and announces it to the others (`invalidate`'s
`user_ids`), so a record is exactly as fresh as the caller's role, which the sessions' layer serves.

Redis trouble is never fatal here: the caller falls back to PostgreSQL.
"""

from __future__ import annotations

import contextlib
import enum
import json
import logging
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import timedelta

from redis.asyncio import Redis

from server.core.context import Principal, Role
from storage.redis import RedisUnavailable
from storage.redis.invalidations import SESSIONS, invalidations_for
from storage.redis.principals import USERS, PrincipalEntries
from storage.repositories.users import UserRecord

_log = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(seconds=30)
DEFAULT_LOCAL_TTL = timedelta(seconds=5)

# Bounds on the local layers (one entry per live session, or user, seen within `local_ttl`).
_MAX_LOCAL_ENTRIES = 50_000
_MAX_LOCAL_USERS = 50_000


class CacheVerdict(enum.Enum):
    """What the cache knows about a session besides a cached principal."""

    UNKNOWN = "unknown"  # not cached (or Redis unreachable): ask PostgreSQL
    REVOKED = "revoked"  # revoked recently: refuse without asking


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
        # One local layer per Redis client: the auth, user-admin and privacy domains of one replica
        # share it, so a revocation made by any is seen by all at once, without waiting for its message.
        self._invalidations = invalidations_for(redis)
        self._local = self._invalidations.cache(
            SESSIONS,
            parse_key=uuid.UUID,
            value_type=Principal,
            ttl_seconds=self._local_ttl,
            max_entries=_MAX_LOCAL_ENTRIES,
        )
        # The records of active users by id, as PostgreSQL last gave them (see the module's docstring).
        self.user_records = self._invalidations.cache(
            USERS,
            parse_key=uuid.UUID,
            value_type=UserRecord,
            ttl_seconds=self._local_ttl,
            max_entries=_MAX_LOCAL_USERS,
        )

    def start(self) -> None:
        """Turns the in-process layer on (subscribes to revocations); without it, every read asks Redis."""
        self._invalidations.start()

    @contextlib.contextmanager
    def on_revoked(self, listener: Callable[[Collection[uuid.UUID]], None]) -> Iterator[None]:
        """Calls `listener` with the ids of sessions revoked on any replica while the block runs.

        Only while `local_layer_live`: revocations announced while the layer is down are missed.
        """
        self._local.drop_listeners.add(listener)
        try:
            yield
        finally:
            self._local.drop_listeners.discard(listener)

    @property
    def local_layer_live(self) -> bool:
        """Whether the in-process layer is in use (subscribed to revocations right now)."""
        return self._invalidations.live

    async def close(self) -> None:
        """Turns the in-process layer off (once every cache on this Redis client has closed)."""
        await self._invalidations.stop()

    @property
    def local_generation(self) -> int:
        """Bumped whenever the in-process layer forgets a session (revoked) or everything (its subscription dropped).

        An answer taken from `held` stays what `get` would answer, as long as this has not moved
        and the time `held` gave has not passed.
        """
        return self._local.generation

    def held(self, session_id: uuid.UUID) -> tuple[Principal, float] | None:
        """The caller held in memory for `session_id` and the `time.monotonic()` it is held until, or None."""
        return self._local.entry(session_id)

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
        self._local.put(principal.session_id, principal, generation=generation, ttl_seconds=self._local_ttl)
        return principal

    async def put(self, principal: Principal) -> None:
        """Caches `principal` for its session in Redis (best effort)."""
        value = json.dumps({"u": str(principal.user_id), "r": principal.role.value})
        try:
            await self._entries.write(principal.session_id, value, ttl_ms=self._ttl_ms)
        except RedisUnavailable as exc:
            _log.warning("principal cache unreachable, not caching: %s", exc)

    async def invalidate(
        self, session_ids: Iterable[uuid.UUID], *, user_ids: Iterable[uuid.UUID] = (), records_only: bool = False
    ) -> None:
        """Forgets the sessions everywhere and marks them revoked (call after the revocation commits).

        `user_ids` are users whose rows changed: their records are forgotten everywhere too. On
        this replica both are gone when this returns, whatever Redis says. `records_only`: the
        change is in nothing other caches show of the users (their display names, on held
        tickets), which then keep what they hold (a sign-in's time).
        """
        ids = list(session_ids)
        users = list(user_ids)
        if not ids and not users:
            return
        self._drop_locally(ids, users, records_only=records_only)
        try:
            await self._entries.revoke(
                ids, marker_ttl_ms=self._revocation_ttl_ms, user_ids=users, records_only=records_only
            )
        except RedisUnavailable as exc:
            # Entries expire within the TTL anyway; PostgreSQL already says "revoked".
            _log.error(
                "could not announce %d session(s) and %d user(s); local copies elsewhere expire within the TTL: %s",
                len(ids),
                len(users),
                exc,
            )
        finally:
            # Again, now that Redis holds the markers: a principal read from Redis in between (before
            # the markers) may have been kept here, and this replica must not answer with it.
            self._drop_locally(ids, users, records_only=records_only)

    def _drop_locally(self, session_ids: list[uuid.UUID], user_ids: list[uuid.UUID], *, records_only: bool) -> None:
        if session_ids:
            self._local.drop(session_ids)
        if user_ids:
            self.user_records.drop(user_ids, dependents=not records_only)

"""In-process caches kept exact by invalidations pushed over Redis pub/sub: one subscription per replica.

What a replica keeps in memory answers without any round trip, so it must learn of every change
made anywhere. The rules that make that safe, the same for every kind of entry:

- **Pushed invalidation.** A writer publishes what it changed (after its change is durable) on one
  channel; each replica's subscriber drops what a message names from its own caches. The writing
  replica drops its own entries synchronously as well, before the write is acknowledged: it reads
  its own writes without waiting for its message.
- **Only while subscribed.** A cache answers only while the replica's subscription is live. When
  it drops (or before it is first confirmed), every entry of every cache is forgotten and callers
  go to Redis or PostgreSQL, since messages published in between would have been missed; entries
  are kept again once the subscription is back. A silently dead connection is found by pinging.
- **Generations.** A reader takes a cache's generation before reading the source and stores its
  answer with it; every drop bumps the generation, so an answer read before a drop it raced is
  never kept.
- **Bounded and short-lived.** Each cache holds at most `max_entries`, each for its TTL: a bound
  on memory, and on how long an entry could outlive a message lost by a publisher that wrote but
  failed to publish.

One subscription carries every kind of invalidation of a Redis client (a replica's process has one),
so there is one per replica, whatever the number of caches. Messages read `<kind>:<key>,<key>...`;
a message without a kind names sessions, the format of the time when the channel carried session
revocations only, so replicas of either version understand each other during a rolling upgrade.
Which keys a change makes stale is the caller's business: this module only carries them.

Other caches may derive entries from a kind's (a held ticket shows its users' display names):
they are told of its drops (`LocalCache.dependents`). A change that leaves what they derive as it
was (a sign-in stamps the user's last sign-in time, which no ticket shows) drops the entries alone
(`dependents=False`), announced with `ENTRIES_ONLY` listed after the keys. No `parse_key` reads it
as a key, so a replica that predates it drops the keys as for any change (and what is derived from
them, as before).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator, Callable, Collection, Hashable, Iterable, Sequence
from typing import Any, Generic, TypeVar, cast

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline, PubSub

from storage import redis_keys
from storage.redis.errors import RedisUnavailable, unavailable_as_one_error

_log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# The kind a message without one names (see the module's docstring).
SESSIONS = "session"

# The subscriber pings when idle this long, and gives the connection up when nothing (not even the
# pong) came back for three times as long: a silently dead connection must not keep the caches on.
_PING_INTERVAL_SECONDS = 2.0
_RECONNECT_DELAY_SECONDS = 0.5


# Listed after an announcement's keys: the change leaves what other caches derive from them as it was.
ENTRIES_ONLY = "=entries-only"


def message_for(kind: str, keys: Iterable[object], *, dependents: bool = True) -> str:
    """The text announcing that the `keys` of `kind` changed (`dependents=False`: see `LocalCache.drop`)."""
    listed = ",".join(str(key) for key in keys)
    if not dependents:
        listed = f"{listed},{ENTRIES_ONLY}"
    return listed if kind == SESSIONS else f"{kind}:{listed}"


def announce_in(pipe: Pipeline, kind: str, keys: Iterable[object], *, dependents: bool = True) -> None:
    """Adds the announcement of `keys` to a pipeline (sent with the writes it follows, in one round trip)."""
    pipe.publish(redis_keys.invalidations(), message_for(kind, keys, dependents=dependents))


class LocalCache(Generic[K, V]):
    """One kind of in-process entry of a replica: answers only while its invalidations are heard."""

    def __init__(
        self, channel: Invalidations, *, parse_key: Callable[[str], K] | None, ttl_seconds: float, max_entries: int
    ) -> None:
        self._channel = channel
        self._parse_key = parse_key
        self.ttl_seconds = ttl_seconds
        self._max_entries = max_entries
        self._entries: dict[K, tuple[V, float]] = {}
        # Bumped by every drop: a reader whose source answer predates a drop must not store it.
        self.generation = 0
        # Told of every key dropped (changed here or announced by another replica).
        self.drop_listeners: set[Callable[[Collection[K]], None]] = set()
        # Caches of entries derived from these (held tickets show users' names): told of every drop
        # but those of a change that leaves what they derive as it was (`drop(..., dependents=False)`).
        self.dependents: set[Callable[[Collection[K]], None]] = set()

    @property
    def live(self) -> bool:
        """Whether entries are kept and used (the replica's subscription is live)."""
        return self._channel.live

    def get(self, key: K) -> V | None:
        """The entry of `key`, if the cache is live and it is fresh."""
        if not self._channel.live:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] < time.monotonic():
            del self._entries[key]
            return None
        return entry[0]

    def entry(self, key: K) -> tuple[V, float] | None:
        """`get`'s answer with the `time.monotonic()` at which it stops being fresh, or None."""
        value = self.get(key)
        return None if value is None else (value, self._entries[key][1])

    def put(self, key: K, value: V, *, generation: int, ttl_seconds: float | None = None) -> None:
        """Keeps `value` unless something was dropped since `generation` was read (or the cache is off)."""
        if not self._channel.live or generation != self.generation:
            return
        if len(self._entries) >= self._max_entries and key not in self._entries:
            now = time.monotonic()
            self._entries = {k: v for k, v in self._entries.items() if v[1] >= now}
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
        expires = time.monotonic() + (self.ttl_seconds if ttl_seconds is None else ttl_seconds)
        self._entries[key] = (value, expires)

    def drop(self, keys: Iterable[K], *, dependents: bool = True) -> None:
        """Forgets the keys (and makes every fill that started before now unkeepable).

        The drop listeners are told, and the dependents, so that what they derive from these entries
        goes too; `dependents=False` for a change that leaves all of that as it was: they are not told.
        """
        self.generation += 1
        dropped = set(keys)
        for key in dropped:
            self._entries.pop(key, None)
        for listener in list(self.drop_listeners):
            listener(dropped)
        if dependents:
            for dependent in list(self.dependents):
                dependent(dropped)

    def clear(self) -> None:
        """Forgets everything."""
        self.generation += 1
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def drop_announced(self, listed: str) -> None:
        """Drops the keys an announcement lists (those that do not parse are ignored)."""
        if self._parse_key is None:
            return
        keys = []
        dependents = True
        for part in listed.split(","):
            if part == ENTRIES_ONLY:
                dependents = False
                continue
            try:
                keys.append(self._parse_key(part))
            except ValueError:
                continue
        self.drop(keys, dependents=dependents)


class Invalidations:
    """The invalidation subscription of one Redis client, and the in-process caches it keeps honest."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self.live = False
        self._caches: dict[str, LocalCache[Any, Any]] = {}
        self._task: asyncio.Task[None] | None = None
        self._users = 0

    def cache(
        self,
        kind: str,
        *,
        parse_key: Callable[[str], K] | None,
        value_type: type[V],
        ttl_seconds: float,
        max_entries: int,
    ) -> LocalCache[K, V]:
        """The client's cache of `kind` (made on first request: every user of a kind shares its entries).

        `parse_key` reads a key from an announcement; None for a kind never announced key by key
        (whose entries are checked against another kind's, and go with the rest when the
        subscription drops). `value_type` only types the answer: one kind holds one type of value.
        """
        cache = self._caches.get(kind)
        if cache is None:
            cache = LocalCache(self, parse_key=parse_key, ttl_seconds=ttl_seconds, max_entries=max_entries)
            self._caches[kind] = cache
        return cast(LocalCache[K, V], cache)

    def start(self) -> None:
        """Starts the subscriber (once per client); the caches are on from its first confirmation."""
        self._users += 1
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._listen(), name="cache-invalidations")

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
        # Either way the entries go: invalidations may have been missed while not subscribed.
        for cache in self._caches.values():
            cache.clear()
        self.live = live

    async def _listen(self) -> None:
        failures = 0
        while True:
            try:
                async with _subscribed(self._redis) as subscription:
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
                            raise RedisUnavailable("no answer from Redis on the invalidations channel")
                        if now - last_ping >= _PING_INTERVAL_SECONDS:
                            last_ping = now
                            await subscription.ping()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the subscriber must survive anything and reconnect
                if failures == 0:
                    _log.warning("in-process caches: invalidations channel lost (%s); asking Redis/PostgreSQL", exc)
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
        named, separator, listed = data.partition(":")
        if not separator:
            named, listed = SESSIONS, data
        cache = self._caches.get(named)
        if cache is not None:
            cache.drop_announced(listed)


# One subscription per Redis client: every domain of a replica shares its caches, so a change made
# by one is seen by the others at once, without waiting for its own message.
_CHANNELS: weakref.WeakKeyDictionary[Redis, Invalidations] = weakref.WeakKeyDictionary()


def invalidations_for(redis: Redis) -> Invalidations:
    """The invalidation subscription (and caches) of this Redis client."""
    channel = _CHANNELS.get(redis)
    if channel is None:
        channel = _CHANNELS[redis] = Invalidations(redis)
    return channel


async def announce(redis: Redis, kind: str, keys: Sequence[object]) -> None:
    """Tells every replica that the `keys` of `kind` changed (one round trip)."""
    with unavailable_as_one_error():
        await redis.publish(redis_keys.invalidations(), message_for(kind, keys))


class _Subscription:
    """One subscription to the invalidations channel; every failure is RedisUnavailable."""

    def __init__(self, pubsub: PubSub) -> None:
        self._pubsub = pubsub

    async def next(self, *, wait_seconds: float) -> tuple[str, str] | None:
        """The next message as (type, data): `subscribe` once confirmed, then `message`s; None after `wait_seconds`."""
        with unavailable_as_one_error():
            message = await self._pubsub.get_message(timeout=wait_seconds)
        if message is None:
            return None
        return str(message.get("type")), str(message.get("data", ""))

    async def ping(self) -> None:
        """Asks Redis for a pong on this connection (an answer arrives as a message)."""
        with unavailable_as_one_error():
            await self._pubsub.ping()


@contextlib.asynccontextmanager
async def _subscribed(redis: Redis) -> AsyncIterator[_Subscription]:
    """Subscribes to the invalidations channel for the block; the connection is closed after it."""
    pubsub = redis.pubsub()
    try:
        with unavailable_as_one_error():
            await pubsub.subscribe(redis_keys.invalidations())
        yield _Subscription(pubsub)
    finally:
        with contextlib.suppress(Exception):
            await pubsub.aclose()  # type: ignore[no-untyped-call]

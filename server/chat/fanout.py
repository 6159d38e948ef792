"""Per-process fan-out of chat events to local streams, shared between replicas through Redis pub/sub.

PostgreSQL is the truth; Redis only carries wake-ups, published after commit. Each process keeps
one `_ChatFeed` per chat that has local streams, which delivers messages to them strictly in `seq`
order: an event that skips a seq (out-of-order publishes from two replicas, a lost publish) makes
the feed read the gap from PostgreSQL first. One subscriber task per process listens on Redis; if
Redis is unreachable, a poller compares each watched chat's `last_seq` and status in PostgreSQL
every `chat_fallback_poll_seconds` (and, as a safety net, every `chat_safety_poll_seconds` while
Redis is healthy), so delivery goes on, slower, and recovers when Redis returns.

Agents' own chats (WatchQueue's `my_chats`) travel the same way: a change publishes the ids of
the agents it concerns on one channel, and each replica's queue watchers of those agents read
their chats again from PostgreSQL (a wake-up, never the data). A missed wake-up is repaired like
the queue's: every resync makes the watchers read their chats again.

Every stream has a bounded queue: a consumer that falls that far behind is closed with
UNAVAILABLE (reason `SLOW_CONSUMER`) and resumes from its last `seq`; memory stays bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field

from helpdesk.v1 import chat_event_pb2
from server.chat.convert import STATE_FROM_PROTO, STATE_TO_PROTO, chat_to_proto, message_to_proto
from server.core.errors import HelpdeskError, Unavailable
from server.core.subscription import RESYNC, Subscription
from server.settings import Settings
from server.shutdown import StreamReads
from storage.db import Database
from storage.models import ChatState
from storage.redis import RedisUnavailable
from storage.redis.chat_wakeups import ChatWakeups, Wakeup, WakeupListener, agent_ids_of
from storage.unit_of_work import UnitOfWork

_log = logging.getLogger(__name__)

# How many messages one gap-repair query reads at a time.
REPAIR_BATCH = 200
# Longest wait for Redis to confirm a new channel subscription before a stream starts anyway.
SUBSCRIBE_CONFIRM_SECONDS = 1.0
RECONNECT_DELAY_SECONDS = 0.5


def _stopping() -> Unavailable:
    return Unavailable("the server is shutting down; reconnect with after_seq", reason="SERVER_STOPPING")


@dataclass(frozen=True, slots=True)
class MyChatsChanged:
    """For queue watchers (not an event of the API): these agents' own chats changed; read them again."""

    agent_ids: frozenset[uuid.UUID]


@dataclass
class _ChatFeed:
    """The local streams of one chat and how far messages have been delivered to them, in order."""

    chat_id: uuid.UUID
    subscribers: set[Subscription] = field(default_factory=set)
    delivered_seq: int | None = None
    target_seq: int = 0
    status: ChatState | None = None
    confirmed: asyncio.Event = field(default_factory=asyncio.Event)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    repair: asyncio.Task[None] | None = None

    def broadcast(self, item: object) -> None:
        for subscriber in list(self.subscribers):
            subscriber.offer(item)


class ChatFanout:
    """Publishes committed chat events and delivers them to this process's streams."""

    def __init__(self, *, settings: Settings, database: Database) -> None:
        self._settings = settings
        self._database = database
        self._wakeups = ChatWakeups(settings.redis_url, origin=uuid.uuid4().hex[:12])
        self._listener: WakeupListener | None = None
        self._feeds: dict[uuid.UUID, _ChatFeed] = {}
        # Queue watchers and whose they are: an agent's own-chats wake-ups go to that agent's only.
        self._queue_watchers: dict[Subscription, uuid.UUID] = {}
        self._tasks: list[asyncio.Task[None]] = []
        # Gap repairs under way (a released feed's repair is cancelled but may still be ending).
        self._repairs: set[asyncio.Task[None]] = set()
        self._poll_now = asyncio.Event()
        # Stream set-ups, replays and repairs share half of the connection pool: a reconnect storm
        # (a replica restarted, 1,000 streams coming back) queues here instead of starving unary calls.
        self._read_slots = asyncio.Semaphore(max(2, settings.db_pool_size // 2))
        self._stream_reads = StreamReads()
        self.redis_healthy = False

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[UnitOfWork]:
        """A short read-only unit of work for streams, within the streams' share of the pool."""
        async with self._read_slots, self._database.unit_of_work() as uow:
            yield uow

    @contextlib.asynccontextmanager
    async def stream_reading(self) -> AsyncIterator[UnitOfWork]:
        """`reading` for a stream's own reads: the stop cuts them short (the stream ends SERVER_STOPPING)."""
        async with self._stream_reads.read(), self.reading() as uow:
            yield uow

    @property
    def stream_count(self) -> int:
        """Open chat and queue streams of this process."""
        return sum(len(feed.subscribers) for feed in self._feeds.values()) + len(self._queue_watchers)

    async def start(self) -> None:
        """Starts the Redis subscriber and the PostgreSQL poller."""
        self._tasks = [
            asyncio.create_task(self._listen(), name="chat-fanout-listen"),
            asyncio.create_task(self._poll(), name="chat-fanout-poll"),
        ]

    def end_streams(self) -> None:
        """Ends every local stream at once (UNAVAILABLE: clients resume elsewhere with after_seq).

        Streams waiting for events are woken; those inside a read have the read cut short.
        """
        closing = _stopping()
        for feed in list(self._feeds.values()):
            for subscriber in list(feed.subscribers):
                subscriber.close(closing)
        for watcher in list(self._queue_watchers):
            watcher.close(closing)
        self._stream_reads.end(_stopping)

    async def stop(self) -> None:
        """Stops the background tasks and ends any stream still open."""
        # Repairs read PostgreSQL: each is awaited to its end (its connection back in the pool),
        # including those of feeds already released, whose cancellation nobody waited for.
        tasks = [*self._tasks, *self._repairs]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks = []
        self.end_streams()
        # The reads cut short have given their connections back before the pool closes.
        await self._stream_reads.wait()

    async def close(self) -> None:
        """Closes the Redis clients (after `stop`, once no call can publish any more)."""
        await self._wakeups.close()

    # --- publishing (after commit) ----------------------------------------------------------

    async def publish_chat_event(self, chat_id: uuid.UUID, event: chat_event_pb2.ChatEvent) -> None:
        """Delivers a committed event to local streams at once, and to other replicas through Redis."""
        self._dispatch_chat_event(chat_id, event)
        await self._publish(self._wakeups.publish_chat(chat_id, event.SerializeToString()))

    async def publish_message(
        self, chat_id: uuid.UUID, event: chat_event_pb2.ChatEvent, *, agent_id: uuid.UUID | None, sender_id: uuid.UUID
    ) -> bool:
        """A committed message: `publish_chat_event` and `publish_my_chats_changed` in one round trip.

        The same round trip clears the sender's typing indicator; returns whether one was showing.
        """
        self._dispatch_chat_event(chat_id, event)
        agents = () if agent_id is None else (agent_id,)
        if agents:
            self._dispatch_queue_event(MyChatsChanged(frozenset(agents)))
        try:
            return await self._wakeups.publish_message(
                chat_id, event.SerializeToString(), agent_ids=agents, typing_of=sender_id
            )
        except RedisUnavailable:
            # The message is committed; other replicas find it by polling PostgreSQL, and an
            # indicator left showing lapses by itself.
            _log.warning("chat fan-out: publishing to Redis failed; replicas will catch up by polling")
            return False

    async def publish_queue_event(self, event: chat_event_pb2.QueueEvent) -> None:
        """Delivers a queue change to local queue watchers and to other replicas."""
        self._dispatch_queue_event(event)
        await self._publish(self._wakeups.publish_queue(event.SerializeToString()))

    async def publish_my_chats_changed(self, *agent_ids: uuid.UUID | None) -> None:
        """Tells these agents' queue watchers, here and on other replicas, that their own chats changed."""
        ids = frozenset(agent for agent in agent_ids if agent is not None)
        if not ids:
            return
        self._dispatch_queue_event(MyChatsChanged(ids))
        await self._publish(self._wakeups.publish_agents(sorted(ids)))

    async def _publish(self, publishing: Awaitable[None]) -> None:
        try:
            await publishing
        except RedisUnavailable:
            # The data is committed; other replicas find it by polling PostgreSQL.
            _log.warning("chat fan-out: publishing to Redis failed; replicas will catch up by polling")

    # --- subscribing ------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def watch_chat(self, chat_id: uuid.UUID) -> AsyncIterator[Subscription]:
        """A subscription to a chat's live events, registered before the caller replays history."""
        subscription = Subscription(capacity=self._settings.chat_stream_buffer)
        feed = self._feeds.get(chat_id)
        created = feed is None
        if feed is None:
            feed = _ChatFeed(chat_id)
            self._feeds[chat_id] = feed
        feed.subscribers.add(subscription)
        try:
            if created:
                try:
                    await self._init_feed(feed)
                except BaseException:
                    # Streams that joined meanwhile must not wait for a feed that will never be ready.
                    for other in list(feed.subscribers):
                        other.close(Unavailable("the chat cannot be followed right now; retry"))
                    feed.ready.set()
                    raise
            else:
                await feed.ready.wait()
            yield subscription
        finally:
            self._release(feed, subscription)

    @contextlib.asynccontextmanager
    async def watch_queue(self, user_id: uuid.UUID) -> AsyncIterator[Subscription]:
        """A subscription to queue changes, to changes of `user_id`'s own chats, and to resync requests."""
        subscription = Subscription(capacity=self._settings.chat_stream_buffer)
        self._queue_watchers[subscription] = user_id
        try:
            yield subscription
        finally:
            self._queue_watchers.pop(subscription, None)

    async def _init_feed(self, feed: _ChatFeed) -> None:
        # Subscribe first, then read where the chat stands: nothing committed in between is missed.
        listener = self._listener
        if listener is not None:
            try:
                await listener.subscribe([feed.chat_id])
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(feed.confirmed.wait(), SUBSCRIBE_CONFIRM_SECONDS)
            except RedisUnavailable:
                _log.warning("chat fan-out: subscribing to chat %s failed; polling covers it", feed.chat_id)
        async with self.stream_reading() as uow:
            pulses = await uow.chats.pulses(chat_ids=[feed.chat_id])
        if pulses:
            feed.delivered_seq = pulses[0].last_seq
            feed.status = pulses[0].status
        else:
            feed.delivered_seq = 0
        feed.ready.set()
        if feed.target_seq > feed.delivered_seq:
            self._start_repair(feed)

    def _release(self, feed: _ChatFeed, subscription: Subscription) -> None:
        feed.subscribers.discard(subscription)
        if feed.subscribers or self._feeds.get(feed.chat_id) is not feed:
            return
        del self._feeds[feed.chat_id]
        if feed.repair is not None:
            feed.repair.cancel()
        listener = self._listener
        if listener is not None:
            task = asyncio.get_running_loop().create_task(self._unsubscribe(listener, feed.chat_id))
            self._tasks.append(task)
            task.add_done_callback(lambda done: self._tasks.remove(done) if done in self._tasks else None)

    async def _unsubscribe(self, listener: WakeupListener, chat_id: uuid.UUID) -> None:
        if chat_id in self._feeds:
            return
        with contextlib.suppress(RedisUnavailable):
            await listener.unsubscribe(chat_id)

    # --- delivery ---------------------------------------------------------------------------

    def _dispatch_chat_event(self, chat_id: uuid.UUID, event: chat_event_pb2.ChatEvent) -> None:
        feed = self._feeds.get(chat_id)
        if feed is None:
            return
        kind = event.WhichOneof("event")
        if kind != "message":
            if kind == "status_change":
                feed.status = STATE_FROM_PROTO.get(event.status_change.chat.status, feed.status)
            feed.broadcast(event)
            return
        seq = event.message.seq
        feed.target_seq = max(feed.target_seq, seq)
        if feed.delivered_seq is None or seq <= feed.delivered_seq:
            return
        if seq == feed.delivered_seq + 1 and feed.repair is None:
            feed.delivered_seq = seq
            feed.broadcast(event)
            return
        self._start_repair(feed)

    def _dispatch_queue_event(self, event: object) -> None:
        for watcher, user_id in list(self._queue_watchers.items()):
            if not isinstance(event, MyChatsChanged) or user_id in event.agent_ids:
                watcher.offer(event)

    def _start_repair(self, feed: _ChatFeed) -> None:
        if feed.repair is None:
            feed.repair = asyncio.get_running_loop().create_task(self._repair(feed), name="chat-fanout-repair")
            self._repairs.add(feed.repair)
            feed.repair.add_done_callback(self._repairs.discard)

    async def _repair(self, feed: _ChatFeed) -> None:
        """Reads the messages between what was delivered and the newest seen from PostgreSQL."""
        try:
            while feed.delivered_seq is not None and feed.delivered_seq < feed.target_seq and feed.subscribers:
                try:
                    async with self.reading() as uow:
                        views = await uow.chats.list_messages(
                            chat_id=feed.chat_id, after_seq=feed.delivered_seq, limit=REPAIR_BATCH
                        )
                except HelpdeskError:
                    _log.warning("chat fan-out: reading chat %s from PostgreSQL failed; retrying", feed.chat_id)
                    await asyncio.sleep(RECONNECT_DELAY_SECONDS)
                    continue
                if not views:
                    break
                for view in views:
                    if view.message.seq == feed.delivered_seq + 1:
                        feed.delivered_seq = view.message.seq
                        feed.broadcast(chat_event_pb2.ChatEvent(message=message_to_proto(view)))
        finally:
            feed.repair = None

    # --- Redis subscriber -------------------------------------------------------------------

    async def _listen(self) -> None:
        while True:
            listener = self._wakeups.listener()
            try:
                subscribed = list(self._feeds)
                await listener.subscribe(subscribed, queue=True)
                self._listener = listener
                # Chats first watched while the subscription above was being made.
                await listener.subscribe([c for c in self._feeds if c not in subscribed])
                while True:
                    wakeup = await listener.next(wait_seconds=5.0)
                    if wakeup is None:
                        await listener.ping()
                        continue
                    self._handle(wakeup)
            except asyncio.CancelledError:
                raise
            except RedisUnavailable as exc:
                if self.redis_healthy:
                    _log.warning("chat fan-out: Redis unreachable (%s); polling PostgreSQL", exc)
                self._set_healthy(False)
            except Exception:  # noqa: BLE001 - the subscriber must survive anything and reconnect
                _log.exception("chat fan-out: subscriber failed; restarting it")
                self._set_healthy(False)
            finally:
                self._listener = None
                await listener.close()
            await asyncio.sleep(RECONNECT_DELAY_SECONDS)

    def _set_healthy(self, healthy: bool) -> None:
        if healthy == self.redis_healthy:
            return
        self.redis_healthy = healthy
        if healthy:
            _log.info("chat fan-out: Redis subscription live")
        # Either way, look at PostgreSQL now: changes may have been missed around the switch.
        self._poll_now.set()
        for feed in self._feeds.values():
            feed.confirmed.set()
        self._dispatch_queue_event(RESYNC)

    def _handle(self, wakeup: Wakeup) -> None:
        if wakeup.kind == "subscribe":
            if wakeup.queue:
                self._set_healthy(True)
            elif wakeup.chat_id is not None:
                feed = self._feeds.get(wakeup.chat_id)
                if feed is not None:
                    feed.confirmed.set()
            return
        # Our own messages (`echo`) were delivered locally when published; pongs only prove liveness.
        if wakeup.kind != "message":
            return
        if wakeup.queue:
            self._dispatch_queue_event(chat_event_pb2.QueueEvent.FromString(wakeup.payload))
        elif wakeup.agents:
            self._dispatch_queue_event(MyChatsChanged(agent_ids_of(wakeup.payload)))
        elif wakeup.chat_id is not None:
            self._dispatch_chat_event(wakeup.chat_id, chat_event_pb2.ChatEvent.FromString(wakeup.payload))

    # --- PostgreSQL poller ------------------------------------------------------------------

    async def _poll(self) -> None:
        while True:
            interval = (
                self._settings.chat_safety_poll_seconds
                if self.redis_healthy
                else self._settings.chat_fallback_poll_seconds
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poll_now.wait(), interval)
            self._poll_now.clear()
            try:
                await self._reconcile()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - PostgreSQL may be down too; try again next round
                _log.warning("chat fan-out: polling PostgreSQL failed", exc_info=True)
            if not self.redis_healthy:
                self._dispatch_queue_event(RESYNC)

    async def _reconcile(self) -> None:
        feeds = [feed for feed in self._feeds.values() if feed.delivered_seq is not None]
        if not feeds:
            return
        async with self.reading() as uow:
            pulses = await uow.chats.pulses(chat_ids=[feed.chat_id for feed in feeds])
            changed = {}
            for pulse in pulses:
                feed = self._feeds.get(pulse.chat_id)
                if feed is None:
                    continue
                if feed.delivered_seq is not None and pulse.last_seq > feed.delivered_seq:
                    feed.target_seq = max(feed.target_seq, pulse.last_seq)
                    self._start_repair(feed)
                if feed.status is not None and pulse.status is not feed.status:
                    view = await uow.chats.get_view(chat_id=pulse.chat_id)
                    if view is not None:
                        changed[pulse.chat_id] = (feed.status, view)
        for chat_id, (previous, view) in changed.items():
            feed = self._feeds.get(chat_id)
            if feed is None:
                continue
            feed.status = view.chat.status
            feed.broadcast(
                chat_event_pb2.ChatEvent(
                    status_change=chat_event_pb2.ChatStatusChange(
                        chat=chat_to_proto(view), previous_status=STATE_TO_PROTO[previous]
                    )
                )
            )

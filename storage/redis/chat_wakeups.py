"""Chat wake-ups between replicas on Redis pub/sub: per chat, for the queue, for agents' own chats.

There is one channel per chat, one for the agents' queue, and one naming the agents whose own
chats changed. Each published message carries the publishing process's origin tag and the
payload bytes in base64, so a process can recognise (and skip) its own messages. PostgreSQL
holds the truth: these are only wake-ups.
"""

from __future__ import annotations

import base64
import contextlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import hiredis
import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import ResponseError

from storage import redis_keys
from storage.redis.batching import Command, CommandBatcher
from storage.redis.client import PipelinedConnection, create_redis, pack_command
from storage.redis.errors import unavailable_as_one_error


@dataclass(frozen=True, slots=True)
class Wakeup:
    """One thing heard on the channels.

    `kind` is `subscribe` (a subscription confirmed), `message` (another process's payload),
    `echo` (this process's own message) or whatever else Redis said (`pong`, `unsubscribe`...).
    `queue` says it came on the queue's channel, `agents` on the agents' channel; otherwise
    `chat_id` names the chat's (if any).
    """

    kind: str
    queue: bool
    chat_id: uuid.UUID | None
    payload: bytes = b""
    agents: bool = False


class WakeupListener:
    """One subscriber connection; every failure is RedisUnavailable."""

    def __init__(self, pubsub: PubSub, origin: str) -> None:
        self._pubsub = pubsub
        self._origin = origin

    async def subscribe(self, chat_ids: Iterable[uuid.UUID], *, queue: bool = False) -> None:
        """Subscribes to these chats' channels (and the queue's and agents'); each confirmation is a Wakeup."""
        channels = [redis_keys.chat_events(chat_id) for chat_id in chat_ids]
        if queue:
            channels[:0] = [redis_keys.chat_queue_events(), redis_keys.chat_agent_events()]
        if channels:
            with unavailable_as_one_error():
                await self._pubsub.subscribe(*channels)

    async def unsubscribe(self, chat_id: uuid.UUID) -> None:
        """Stops listening to a chat's channel."""
        with unavailable_as_one_error():
            await self._pubsub.unsubscribe(redis_keys.chat_events(chat_id))

    async def next(self, *, wait_seconds: float) -> Wakeup | None:
        """The next thing heard, or None when nothing came within `wait_seconds`."""
        with unavailable_as_one_error():
            message = await self._pubsub.get_message(timeout=wait_seconds)
        if message is None:
            return None
        kind = str(message.get("type"))
        channel = str(message.get("channel", ""))
        queue = channel == redis_keys.chat_queue_events()
        agents = channel == redis_keys.chat_agent_events()
        chat_id = None if queue or agents else _chat_id_of(channel)
        if kind != "message":
            return Wakeup(kind, queue, chat_id, agents=agents)
        origin, _, encoded = str(message.get("data", "")).partition(":")
        if origin == self._origin:
            return Wakeup("echo", queue, chat_id, agents=agents)
        return Wakeup(kind, queue, chat_id, base64.b64decode(encoded), agents=agents)

    async def ping(self) -> None:
        """Asks for a pong on this connection (it arrives as a Wakeup of kind `pong`)."""
        with unavailable_as_one_error():
            await self._pubsub.ping()

    async def close(self) -> None:
        """Closes the connection (never raises)."""
        with contextlib.suppress(Exception):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]


class ChatWakeups:
    """Publishes wake-ups and opens listeners; raises RedisUnavailable when Redis cannot answer."""

    def __init__(self, url: str, *, origin: str) -> None:
        self._origin = origin
        self._publisher = create_redis(url)
        # A message's wake-ups go out as one write on a connection of their own, pipelined with
        # every other sender's: redis-py's pipeline (a pooled connection, its hooks and retry
        # wrapper, replies parsed field by field) cost more than the rest of the send's work in
        # this process. Without a plain TCP client, concurrent senders share redis-py pipelines.
        self._pipelined = (
            PipelinedConnection(self._publisher) if PipelinedConnection.supports(self._publisher) else None
        )
        self._messages = CommandBatcher(self._publisher)
        # Pub/sub reads block between events: no read timeout on this connection.
        self._subscriber_client = aioredis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=1.0, client_name="helpdesk-chat-fanout"
        )

    async def publish_chat(self, chat_id: uuid.UUID, payload: bytes) -> None:
        """Wakes the other replicas' streams of a chat."""
        await self._publish(redis_keys.chat_events(chat_id), payload)

    async def publish_queue(self, payload: bytes) -> None:
        """Wakes the other replicas' queue watchers."""
        await self._publish(redis_keys.chat_queue_events(), payload)

    async def publish_agents(self, agent_ids: Iterable[uuid.UUID]) -> None:
        """Wakes the other replicas' queue watchers of these agents: their own chats changed."""
        await self._publish(redis_keys.chat_agent_events(), " ".join(str(agent) for agent in agent_ids).encode())

    async def publish_message(
        self, chat_id: uuid.UUID, payload: bytes, *, agent_ids: Iterable[uuid.UUID], typing_of: uuid.UUID
    ) -> bool:
        """A sent message in one round trip: wakes its chat's streams and these agents' queue watchers.

        The same round trip clears the sender's typing indicator; returns whether one was showing.
        """
        agents = " ".join(str(agent) for agent in agent_ids)
        commands: list[Command] = [("PUBLISH", redis_keys.chat_events(chat_id), self._tagged(payload))]
        if agents:
            commands.append(("PUBLISH", redis_keys.chat_agent_events(), self._tagged(agents.encode())))
        commands.append(("DEL", redis_keys.chat_typing(chat_id, typing_of)))
        with unavailable_as_one_error():
            if self._pipelined is None:
                replies = await self._messages.execute(commands)
            else:
                replies = await self._pipelined.execute_all([pack_command(*command) for command in commands])
                for reply in replies:
                    if isinstance(reply, hiredis.ReplyError):
                        raise ResponseError(str(reply))
        return bool(replies[-1])

    def _tagged(self, payload: bytes) -> str:
        # The origin lets this process recognise (and skip) its own messages.
        return f"{self._origin}:{base64.b64encode(payload).decode()}"

    async def _publish(self, channel: str, payload: bytes) -> None:
        with unavailable_as_one_error():
            await self._publisher.publish(channel, self._tagged(payload))

    def listener(self) -> WakeupListener:
        """A new subscriber connection (connects on its first subscription)."""
        return WakeupListener(self._subscriber_client.pubsub(), self._origin)

    async def close(self) -> None:
        """Closes both clients and the pipelined connection."""
        await self._messages.close()
        if self._pipelined is not None:
            await self._pipelined.aclose()
        await self._publisher.aclose()
        await self._subscriber_client.aclose()


def agent_ids_of(payload: bytes) -> frozenset[uuid.UUID]:
    """The agents named by a payload of the agents' channel (ids that do not parse are skipped)."""
    ids = set()
    for word in payload.decode(errors="replace").split():
        with contextlib.suppress(ValueError):
            ids.add(uuid.UUID(word))
    return frozenset(ids)


def _chat_id_of(channel: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(channel.rsplit(":", 1)[-1])
    except ValueError:
        return None

"""Wake-ups of concurrent callers sharing round trips to Redis (`CommandBatcher`), against a real Redis."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from devstack.redis import free_port
from storage import redis_keys
from storage.redis import RedisUnavailable, create_redis
from storage.redis.batching import CommandBatcher
from storage.redis.chat_wakeups import ChatWakeups
from storage.redis.ticket_wakeups import TicketWakeups


async def test_concurrent_callers_each_get_their_own_replies_in_order(redis_url: str) -> None:
    client = create_redis(redis_url)
    batcher = CommandBatcher(client)
    key = f"helpdesk:test:batch:{uuid.uuid4()}"
    try:
        replies = await asyncio.gather(
            *(batcher.execute([("RPUSH", key, str(caller)), ("LLEN", key)]) for caller in range(40))
        )
        # Each caller's push and length are adjacent: its own commands are never split or reordered.
        assert all(pushed == length for pushed, length in replies)
        assert sorted(length for _, length in replies) == list(range(1, 41))
        # The list holds every caller's item once, in the order the callers called.
        assert await client.lrange(key, 0, -1) == [str(caller) for caller in range(40)]
    finally:
        await client.delete(key)
        await batcher.close()
        await client.aclose()


async def test_merged_ticket_wakeups_name_the_latest_position(redis_url: str) -> None:
    client = create_redis(redis_url)
    publisher = TicketWakeups(redis_url, publisher=client, origin="writer")
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(redis_keys.ticket_changes())
        assert (await pubsub.get_message(timeout=2.0) or {}).get("type") == "subscribe"
        # The first is sent at once; the two that come while it is in flight leave as one, naming the latest.
        await asyncio.gather(publisher.publish(1), publisher.publish(3), publisher.publish(2))
        heard = []
        while (message := await pubsub.get_message(timeout=0.5)) is not None:
            heard.append(message["data"])
        assert heard == ["writer:1", "writer:3"]
        # Alone, a wake-up goes out at once.
        await publisher.publish(4)
        message = await pubsub.get_message(timeout=2.0)
        assert message is not None
        assert message["data"] == "writer:4"
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await publisher.close()
        await client.aclose()


async def test_each_sender_learns_whether_their_own_typing_indicator_was_showing(redis_url: str) -> None:
    wakeups = ChatWakeups(redis_url, origin="sender")
    client = create_redis(redis_url)
    chat_id, typing, quiet = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    try:
        await client.set(redis_keys.chat_typing(chat_id, typing), "1", ex=30)
        cleared = await asyncio.gather(
            *(
                wakeups.publish_message(chat_id, f"message {n}".encode(), agent_ids=(), typing_of=sender)
                for n, sender in enumerate([quiet, typing, quiet, quiet])
            )
        )
        assert cleared == [False, True, False, False]
        assert await client.exists(redis_keys.chat_typing(chat_id, typing)) == 0
    finally:
        await wakeups.close()
        await client.aclose()


async def test_every_waiting_sender_hears_that_redis_is_unreachable(redis_url: str) -> None:
    wakeups = ChatWakeups(f"redis://127.0.0.1:{free_port()}/0", origin="sender")
    try:
        results = await asyncio.gather(
            *(
                wakeups.publish_message(uuid.uuid4(), b"message", agent_ids=(), typing_of=uuid.uuid4())
                for _ in range(5)
            ),
            return_exceptions=True,
        )
        assert all(isinstance(result, RedisUnavailable) for result in results), results
    finally:
        await wakeups.close()


async def test_a_caller_that_stops_waiting_does_not_cancel_the_others(redis_url: str) -> None:
    client = create_redis(redis_url)
    batcher = CommandBatcher(client)
    key = f"helpdesk:test:batch:{uuid.uuid4()}"
    try:
        first = asyncio.ensure_future(batcher.execute([("RPUSH", key, "first")]))
        await asyncio.sleep(0)
        # These two queue behind the first; one of them gives up, the other still gets its reply.
        quitter = asyncio.ensure_future(batcher.execute([("RPUSH", key, "quitter")]))
        stayer = asyncio.ensure_future(batcher.execute([("RPUSH", key, "stayer")]))
        await asyncio.sleep(0)
        quitter.cancel()
        assert await first == [1]
        assert await stayer == [3]
        with pytest.raises(asyncio.CancelledError):
            await quitter
        # The quitter's command had been queued: it was sent all the same.
        assert await client.lrange(key, 0, -1) == ["first", "quitter", "stayer"]
    finally:
        await client.delete(key)
        await batcher.close()
        await client.aclose()

"""Wake-ups of concurrent callers sharing round trips to Redis (`CommandBatcher`), against a real Redis."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio.client import PubSub

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


async def test_ticket_wakeups_of_changes_committed_meanwhile_go_out_as_one_naming_the_latest(redis_url: str) -> None:
    client = create_redis(redis_url)
    publisher = TicketWakeups(redis_url, publisher=client, origin="writer")
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(redis_keys.ticket_changes())
        assert (await pubsub.get_message(timeout=2.0) or {}).get("type") == "subscribe"
        # Committed in the same turn of the event loop: one wake-up, naming the latest.
        publisher.wake(1)
        publisher.wake(3)
        publisher.wake(2)
        await publisher.flushed()
        assert await _heard(pubsub) == ["writer:3"]
        # Committed while one is in flight: one more, as soon as it is answered.
        publisher.wake(4)
        await asyncio.sleep(0)
        publisher.wake(6)
        publisher.wake(5)
        await publisher.flushed()
        assert await _heard(pubsub) == ["writer:4", "writer:6"]
        # Alone, a change gets its own.
        publisher.wake(7)
        await publisher.flushed()
        assert await _heard(pubsub) == ["writer:7"]
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await publisher.close()
        await client.aclose()


async def test_a_burst_of_ticket_changes_wakes_the_replicas_once_per_interval_naming_the_latest(
    redis_url: str,
) -> None:
    client = create_redis(redis_url)
    interval = 0.02
    publisher = TicketWakeups(redis_url, publisher=client, origin="writer", min_interval=interval)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(redis_keys.ticket_changes())
        assert (await pubsub.get_message(timeout=2.0) or {}).get("type") == "subscribe"
        # A change a millisecond, for at least 0.1 s: far more changes than intervals.
        started = asyncio.get_running_loop().time()
        for position in range(1, 101):
            publisher.wake(position)
            await asyncio.sleep(0.001)
        await publisher.flushed()
        elapsed = asyncio.get_running_loop().time() - started
        heard = await _heard(pubsub)
        # The first went out at once, then one per interval at most, and the last names the latest.
        assert heard[0] == "writer:1"
        assert heard[-1] == "writer:100"
        assert len(heard) <= elapsed / interval + 1
        positions = [int(message.removeprefix("writer:")) for message in heard]
        assert positions == sorted(set(positions))
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await publisher.close()
        await client.aclose()


async def test_a_ticket_wakeup_redis_cannot_take_is_reported_and_the_next_one_is_sent(redis_url: str) -> None:
    failures: list[RedisUnavailable] = []
    dead = create_redis(f"redis://127.0.0.1:{free_port()}/0")
    publisher = TicketWakeups(redis_url, publisher=dead, origin="writer", on_failure=failures.append)
    try:
        publisher.wake(1)
        await publisher.flushed()
        publisher.wake(2)
        await publisher.flushed()
        # Each failed wake-up is reported once; neither is retried for ever.
        assert len(failures) == 2
        assert all(isinstance(failure, RedisUnavailable) for failure in failures)
    finally:
        await publisher.close()
        await dead.aclose()


async def _heard(pubsub: PubSub) -> list[str]:
    heard = []
    while (message := await pubsub.get_message(timeout=0.5)) is not None:
        heard.append(message["data"])
    return heard


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
        # These two join the first one's pipeline; one of them gives up, the other still gets its reply.
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

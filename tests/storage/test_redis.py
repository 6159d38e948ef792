"""The Redis client and key naming."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
import redis.exceptions

from devstack.redis import free_port
from storage import redis_keys
from storage.redis import create_redis
from storage.redis.client import PipelinedConnection, pack_command
from tests.support import redis_busy


async def test_the_client_round_trips_text(redis_url: str) -> None:
    client = create_redis(redis_url)
    try:
        await client.set("helpdesk:test:key", "välue", px=1000)
        assert await client.get("helpdesk:test:key") == "välue"
    finally:
        await client.aclose()


async def test_an_unreachable_redis_fails_fast() -> None:
    client = create_redis(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    try:
        with pytest.raises(redis.exceptions.ConnectionError):
            await client.ping()
    finally:
        await client.aclose()
    assert time.monotonic() - started < 2.5


async def test_a_burst_beyond_the_connection_limit_waits_for_connections(redis_url: str) -> None:
    """More commands at once than the client has connections: they wait their turn, none is refused.

    The queue takes longer than the client's 1 s timeout to drain: a command that waits is not
    refused while connections keep coming back (Redis answers; the process is only busy).
    """
    client = create_redis(redis_url, max_connections=2)
    key = f"test:burst:{uuid.uuid4().hex}"
    try:
        # Each BLPOP holds its connection 0.6 s (nothing is pushed): six need three turns of two,
        # the last starting 1.2 s after the burst.
        started = time.monotonic()
        replies = await asyncio.gather(*(client.blpop([f"{key}:{i}"], timeout=0.6) for i in range(6)))
        assert replies == [None] * 6
        assert time.monotonic() - started >= 1.8
        # The connections came back: the client still answers.
        assert await client.ping()
    finally:
        await client.aclose()


async def test_a_command_waiting_for_a_connection_none_gives_back_fails_after_the_timeout(redis_url: str) -> None:
    """Every connection held and none coming back for the client's timeout: the waiting command fails."""
    client = create_redis(redis_url, max_connections=1)
    subscriber = client.pubsub()
    try:
        await subscriber.subscribe(f"test:held:{uuid.uuid4().hex}")  # holds the only connection
        started = time.monotonic()
        with pytest.raises(redis.exceptions.MaxConnectionsError):
            await client.ping()
        assert 0.9 < time.monotonic() - started < 2.0
        await subscriber.aclose()  # type: ignore[no-untyped-call] # gives it back
        assert await client.ping()
    finally:
        await subscriber.aclose()  # type: ignore[no-untyped-call]
        await client.aclose()


async def test_a_pipelined_connection_gives_each_caller_its_own_reply(redis_url: str) -> None:
    client = create_redis(f"{redis_url.rsplit('/', 1)[0]}/3")  # not db 0: the URL's db is selected
    assert PipelinedConnection.supports(client)
    connection = PipelinedConnection(client)
    prefix = f"helpdesk:test:{uuid.uuid4().hex}"
    try:
        values = {f"{prefix}:{n}": bytes([n]) * (n * 500) for n in range(40)}  # up to ~20 KB, any byte
        replies = await asyncio.gather(
            *(connection.execute(pack_command("SET", key, value, "EX", 60)) for key, value in values.items())
        )
        assert replies == [b"OK"] * len(values)
        read = await asyncio.gather(
            *(connection.execute(pack_command("MGET", key, f"{prefix}:missing")) for key in values)
        )
        assert read == [[value, None] for value in values.values()]
        assert await client.get(f"{prefix}:7") == "\x07" * 3500  # written to the URL's db
        with pytest.raises(redis.exceptions.ResponseError):
            await connection.execute(pack_command("INCR", f"{prefix}:1"))  # not an integer
        assert await connection.execute(pack_command("GET", f"{prefix}:2")) == values[f"{prefix}:2"]
    finally:
        await connection.aclose()
        await client.aclose()


async def test_a_pipelined_connection_gives_up_after_the_timeout_and_connects_again(redis_url: str) -> None:
    client = create_redis(redis_url)
    connection = PipelinedConnection(client)
    key = f"helpdesk:test:{uuid.uuid4().hex}"
    try:
        await connection.execute(pack_command("SET", key, "before"))
        async with redis_busy(redis_url, 2.5):
            started = time.monotonic()
            with pytest.raises(redis.exceptions.TimeoutError):
                await asyncio.gather(*(connection.execute(pack_command("GET", key)) for _ in range(3)))
            assert 0.9 < time.monotonic() - started < 1.8
        # Nothing late is handed to a newer command: the next one gets its own reply.
        assert await connection.execute(pack_command("SET", key, "after")) == b"OK"
        assert await connection.execute(pack_command("GET", key)) == b"after"
    finally:
        await connection.aclose()
        await client.aclose()


async def test_a_pipelined_connection_to_nothing_fails_fast() -> None:
    client = create_redis(f"redis://127.0.0.1:{free_port()}/0")
    connection = PipelinedConnection(client)
    started = time.monotonic()
    try:
        with pytest.raises(redis.exceptions.ConnectionError):
            await connection.execute(pack_command("GET", "helpdesk:test:nothing"))
    finally:
        await connection.aclose()
        await client.aclose()
    assert time.monotonic() - started < 1.5


def test_every_key_is_namespaced_and_emails_are_not_stored() -> None:
    session_id = uuid.uuid4()
    keys = [
        redis_keys.login_failures_for_account("someone@example.com"),
        redis_keys.login_failures_for_ip("203.0.113.9"),
        redis_keys.principal(session_id),
        redis_keys.revoked_session(session_id),
    ]
    assert all(key.startswith("helpdesk:") for key in keys)
    assert len(set(keys)) == len(keys)
    assert "someone" not in keys[0]
    assert redis_keys.login_failures_for_account("a@example.com") != redis_keys.login_failures_for_account(
        "b@example.com"
    )

"""Several commands written at once on a pipelined connection (`execute_all`): each gets its own reply."""

from __future__ import annotations

import asyncio
import uuid

import hiredis
import pytest
import redis.exceptions

from storage.redis import create_redis
from storage.redis.client import PipelinedConnection, pack_command
from tests.support import redis_busy


async def test_commands_written_together_each_get_their_own_reply(redis_url: str) -> None:
    client = create_redis(redis_url)
    connection = PipelinedConnection(client)
    key = f"helpdesk:test:{uuid.uuid4().hex}"
    try:
        batches = await asyncio.gather(
            *(
                connection.execute_all(
                    [pack_command("RPUSH", key, str(caller)), pack_command("LINDEX", key, -1)]
                    if caller % 3
                    # A bad command in the middle answers an error to that command only.
                    else [
                        pack_command("SET", f"{key}:{caller}", "x"),
                        pack_command("INCR", f"{key}:{caller}"),
                        pack_command("GET", f"{key}:{caller}"),
                    ]
                )
                for caller in range(30)
            )
        )
        for caller, replies in enumerate(batches):
            if caller % 3:
                pushed, last = replies
                assert isinstance(pushed, int)
                assert last == str(caller).encode()  # nobody else pushed between its two commands
            else:
                ok, error, value = replies
                assert (ok, value) == (b"OK", b"x")
                assert isinstance(error, hiredis.ReplyError)
        assert await client.llen(key) == 20
    finally:
        await client.delete(key, *(f"{key}:{caller}" for caller in range(0, 30, 3)))
        await connection.aclose()
        await client.aclose()


async def test_a_batch_not_answered_in_time_fails_and_the_next_one_gets_its_own_replies(redis_url: str) -> None:
    client = create_redis(redis_url)
    connection = PipelinedConnection(client)
    key = f"helpdesk:test:{uuid.uuid4().hex}"
    try:
        await connection.execute(pack_command("SET", key, "before"))
        async with redis_busy(redis_url, 2.5):
            with pytest.raises(redis.exceptions.TimeoutError):
                await connection.execute_all([pack_command("GET", key), pack_command("PING")])
        assert await connection.execute_all([pack_command("SET", key, "after"), pack_command("GET", key)]) == [
            b"OK",
            b"after",
        ]
    finally:
        await client.delete(key)
        await connection.aclose()
        await client.aclose()

"""Redis commands of concurrent callers sent together: one pipeline in flight, what comes meanwhile goes in the next.

Every chat message publishes its wake-ups (and clears its sender's typing indicator) after its commit. Sent one
pipeline per caller, each is a round trip with its own write, connection checkout and reply
parsing (the socket write alone costs more than the rest); under load
most of them find another ready at the same moment or still in flight. `CommandBatcher` sends
a caller's commands when nothing is in flight, together with those of every caller that gets
there in the same turn of the event loop, and otherwise queues them for the next pipeline,
which leaves as soon as the one in flight is answered. Each caller still waits for
its own replies, so nothing returns before Redis has its commands, and a failure reaches every
caller whose commands were in the failed pipeline. Commands of one caller stay in order, and
stay in order with the commands of anyone who called before (pipelines leave one at a time).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis

Command = tuple[Any, ...]


class _Batch:
    """The commands of one pipeline and the future of its replies."""

    __slots__ = ("commands", "replies")

    def __init__(self) -> None:
        self.commands: list[Command] = []
        self.replies: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        # A caller left waiting (cancelled) must not leave an exception nobody retrieves.
        self.replies.add_done_callback(lambda done: done.cancelled() or done.exception())

    def add(self, commands: Sequence[Command]) -> int:
        """Adds `commands`; the index of the first."""
        index = len(self.commands)
        self.commands.extend(commands)
        return index


class CommandBatcher:
    """Sends the commands of concurrent callers in shared pipelines (no MULTI: each command stands alone)."""

    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client
        self._queued: _Batch | None = None
        self._busy = False
        self._drain: asyncio.Task[None] | None = None

    async def execute(self, commands: Sequence[Command]) -> list[Any]:
        """The replies to `commands`, in order; raises what redis-py raised for their pipeline."""
        batch = self._queued
        if batch is None:
            batch = self._queued = _Batch()
        index = batch.add(commands)
        if self._busy:
            # Shielded: a caller that stops waiting does not cancel the others' pipeline.
            replies = await asyncio.shield(batch.replies)
        else:
            # Nothing in flight: this caller sends, once the callers ready in this turn of the event
            # loop (requests whose commits were answered together) have joined its pipeline.
            self._busy = True
            try:
                await asyncio.sleep(0)
                self._queued = None
                await self._send(batch)
            finally:
                self._sent()
            replies = batch.replies.result()
        return replies[index : index + len(commands)]

    async def close(self) -> None:
        """Waits for the pipelines still queued (call before closing the client)."""
        if self._drain is not None:
            await asyncio.gather(self._drain, return_exceptions=True)

    def _sent(self) -> None:
        # The pipeline in flight is answered: the commands queued meanwhile leave now.
        self._busy = False
        if self._queued is not None:
            self._busy = True
            self._drain = asyncio.create_task(self._send_queued(), name="redis-batch")

    async def _send_queued(self) -> None:
        try:
            while (batch := self._queued) is not None:
                self._queued = None
                await self._send(batch)
        finally:
            self._busy = False
            self._drain = None

    async def _send(self, batch: _Batch) -> None:
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for command in batch.commands:
                    pipe.execute_command(*command)
                replies = await pipe.execute()
        except BaseException as exc:
            if not batch.replies.done():
                if isinstance(exc, asyncio.CancelledError):
                    batch.replies.cancel()
                else:
                    batch.replies.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
        else:
            batch.replies.set_result(replies)

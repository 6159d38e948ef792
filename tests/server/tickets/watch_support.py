"""Helpers of the WatchTickets tests: a stream reader that collects changes and waits for markers."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable
from typing import Any

import grpc.aio

from helpdesk.v1 import ticket_change_pb2, ticket_service_pb2
from tests.server.tickets.helpers import TicketStub
from tests.support import SignedIn

Change = ticket_change_pb2.TicketChange
CREATED = ticket_change_pb2.TICKET_CHANGE_KIND_CREATED
UPDATED = ticket_change_pb2.TICKET_CHANGE_KIND_UPDATED
MESSAGE_ADDED = ticket_change_pb2.TICKET_CHANGE_KIND_MESSAGE_ADDED
DELETED = ticket_change_pb2.TICKET_CHANGE_KIND_DELETED
CAUGHT_UP = ticket_change_pb2.TICKET_CHANGE_KIND_CAUGHT_UP
HEARTBEAT = ticket_change_pb2.TICKET_CHANGE_KIND_HEARTBEAT
MARKERS = (CAUGHT_UP, HEARTBEAT)


class Watcher:
    """One open WatchTickets stream, read in the background into `changes` (markers apart)."""

    def __init__(self, stub: TicketStub, user: SignedIn, request: ticket_service_pb2.WatchTicketsRequest) -> None:
        self.call: Any = stub.WatchTickets(request, metadata=user.metadata)
        self.changes: list[Change] = []
        self.markers: list[Change] = []
        self.error: grpc.aio.AioRpcError | None = None
        self._arrived = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        try:
            async for change in self.call:
                (self.markers if change.kind in MARKERS else self.changes).append(change)
                self._arrived.set()
        except grpc.aio.AioRpcError as exc:
            if exc.code() is not grpc.StatusCode.CANCELLED:
                self.error = exc
        finally:
            self._arrived.set()

    async def _until(self, done: Any, within: float) -> None:
        async with asyncio.timeout(within):
            while not done():
                if self._task.done():
                    raise AssertionError(f"stream ended: {self.error!r}")
                self._arrived.clear()
                await self._arrived.wait()

    async def caught_up(self, within: float = 10.0) -> str:
        """Waits for the CAUGHT_UP marker; returns its cursor."""
        await self._until(lambda: any(m.kind == CAUGHT_UP for m in self.markers), within)
        return next(m.cursor for m in self.markers if m.kind == CAUGHT_UP)

    async def heartbeat_beyond(self, position: int, within: float = 10.0) -> Change:
        """Waits for a heartbeat whose cursor is past `position`; returns it."""
        await self._until(lambda: any(m.kind == HEARTBEAT and int(m.cursor) > position for m in self.markers), within)
        return next(m for m in self.markers if m.kind == HEARTBEAT and int(m.cursor) > position)

    async def wait_for(self, count: int, within: float = 10.0) -> list[Change]:
        """Waits until at least `count` changes arrived; returns them all."""
        await self._until(lambda: len(self.changes) >= count, within)
        return self.changes

    async def ended(self, within: float = 10.0) -> grpc.aio.AioRpcError | None:
        """Waits for the stream to end; returns its error (None if it completed)."""
        async with asyncio.timeout(within):
            await asyncio.shield(self._task)
        return self.error

    async def close(self) -> None:
        """Cancels the stream."""
        self.call.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


def kinds(changes: Iterable[Change]) -> list[int]:
    """The kinds of `changes`, in order."""
    return [change.kind for change in changes]


def cursors_increase(changes: Iterable[Change]) -> bool:
    """Whether the cursors are strictly increasing (commit order, no duplicate)."""
    positions = [int(change.cursor) for change in changes]
    return all(a < b for a, b in itertools.pairwise(positions))

"""WatchTickets that survives disconnects: resumes from the last cursor it delivered, no gap, no duplicate.

The server replays every change after `after_cursor` from PostgreSQL and then goes live, so a
client that remembers the last cursor it has seen (every element carries one, heartbeats too)
can reconnect at any time, to any replica, and lose nothing. A cursor too old to replay is
FAILED_PRECONDITION (reason `CURSOR_EXPIRED` or `CURSOR_UNKNOWN`), raised as `HelpdeskError`:
reload the list with ListTickets and watch again without a cursor.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio

from helpdesk.client.chat import ResumePolicy, Resumer
from helpdesk.client.session import Session
from helpdesk.v1 import ticket_change_pb2, ticket_service_pb2, ticket_service_pb2_grpc

_MARKERS = frozenset({ticket_change_pb2.TICKET_CHANGE_KIND_CAUGHT_UP, ticket_change_pb2.TICKET_CHANGE_KIND_HEARTBEAT})


class ResumableTicketWatch:
    """`WatchTickets` as an async iterator of TicketChanges that reconnects from the last cursor.

    Yields ticket changes only, unless `markers` (then CAUGHT_UP and HEARTBEAT too). Iteration
    ends when `close()` is called; it raises `HelpdeskError` for errors that reconnecting cannot
    fix (an expired cursor, a bad filter, a revoked session).
    """

    def __init__(
        self,
        tickets: ticket_service_pb2_grpc.TicketServiceAsyncStub,
        session: Session,
        request: ticket_service_pb2.WatchTicketsRequest,
        *,
        markers: bool = False,
        policy: ResumePolicy | None = None,
    ) -> None:
        self._tickets = tickets
        self._request = request
        self._markers = markers
        self._resumer = Resumer(session=session, policy=policy or ResumePolicy(), after_seq=0)
        self.cursor = request.after_cursor
        self._call: Any = None

    @property
    def reconnects(self) -> int:
        """How many times the stream was re-opened."""
        return self._resumer.reconnects

    def close(self) -> None:
        """Stops the stream; the iteration ends."""
        self._resumer.closed = True
        if self._call is not None:
            self._call.cancel()

    def __aiter__(self) -> AsyncIterator[ticket_change_pb2.TicketChange]:
        return self._changes()

    async def _changes(self) -> AsyncIterator[ticket_change_pb2.TicketChange]:
        resumer = self._resumer
        while not resumer.closed:
            request = ticket_service_pb2.WatchTicketsRequest()
            request.CopyFrom(self._request)
            request.after_cursor = self.cursor
            self._call = self._tickets.WatchTickets(request)
            error: grpc.aio.AioRpcError | None = None
            try:
                async for change in self._call:
                    resumer.progressed()
                    self.cursor = change.cursor
                    if self._markers or change.kind not in _MARKERS:
                        yield change
            except grpc.aio.AioRpcError as failure:
                error = failure
            finally:
                self._call = None
            if resumer.closed:
                return
            await resumer.recover(error)

"""WatchTickets: replay the change log after the client's cursor, then follow it live, gap- and duplicate-free.

A stream registers with the process's feed first, then replays the log from PostgreSQL after
`after_cursor` in short transactions (a slow client never holds a connection), then takes live
changes from its bounded inbox, skipping positions it already replayed. The feed puts in that
inbox only the changes the stream's filter concerns, so a change wakes only its viewers. Positions are gap-free
and commit-ordered (see `storage.models.ticket_changes`), so "after n" never misses a change that
commits later with a smaller position. Each element passes the caller's visibility and filters
(`WatchFilter`). A quiet stream gets a heartbeat carrying the position it has reached. The
stream ends at once when the caller's session is revoked (sign-out, deactivation, role change),
as announced to every replica through the principal cache; while that announcement channel is
down, each heartbeat checks the session in PostgreSQL instead.
"""

from __future__ import annotations

import contextlib
import uuid
from collections import defaultdict
from collections.abc import AsyncGenerator, AsyncIterator, Collection

from helpdesk.v1 import ticket_change_pb2
from server.auth.principal_cache import PrincipalCache
from server.core.context import Principal
from server.core.errors import FailedPrecondition, InvalidArgument, Unauthenticated
from server.core.metrics import Metrics
from server.core.stream_limits import StreamSlots
from server.core.subscription import Subscription
from server.settings import Settings
from server.tickets.watch_feed import ResolvedChange, TicketChangeFeed, read_changes
from server.tickets.watch_filter import WatchFilter, marker

REPLAY_PAGE = 200
SESSION_ENDED = "the session has ended; sign in again"


def decode_cursor(cursor: str) -> int | None:
    """The log position of a cursor (None for an empty one); INVALID_ARGUMENT for anything else."""
    if not cursor:
        return None
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 18:
        raise InvalidArgument.field("after_cursor", "is not a cursor this service issued")
    return int(cursor)


class TicketWatch:
    """The WatchTickets streams of one process."""

    def __init__(
        self,
        *,
        settings: Settings,
        feed: TicketChangeFeed,
        principals: PrincipalCache,
        slots: StreamSlots,
        metrics: Metrics,
    ) -> None:
        delivered = metrics.ticket_watch_deliveries
        # Children bound once: a label lookup per delivery would cost more than the count.
        self._delivered = {
            kind: delivered.labels(
                kind=ticket_change_pb2.TicketChangeKind.Name(kind).removeprefix("TICKET_CHANGE_KIND_").lower()
            )
            for kind in ticket_change_pb2.TicketChangeKind.values()
        }
        self._heartbeat = settings.chat_heartbeat_seconds
        self._feed = feed
        self._principals = principals
        self._slots = slots
        self._by_session: defaultdict[uuid.UUID, set[Subscription]] = defaultdict(set)
        self._listening = contextlib.ExitStack()

    def start(self) -> None:
        """Starts ending the streams of revoked sessions (one listener for all streams)."""
        self._listening.enter_context(self._principals.on_revoked(self._revoked))

    def stop(self) -> None:
        """Stops listening for revocations."""
        self._listening.close()

    def _revoked(self, session_ids: Collection[uuid.UUID]) -> None:
        for session_id in session_ids:
            for subscription in list(self._by_session.get(session_id, ())):
                subscription.close(Unauthenticated(SESSION_ENDED))

    async def watch(
        self, *, principal: Principal, spec: WatchFilter, after_cursor: str
    ) -> AsyncIterator[ticket_change_pb2.TicketChange]:
        """The caller's changes after `after_cursor` (from now if empty), then live."""
        after = decode_cursor(after_cursor)
        # The slot is taken before any database work, so refused streams cost nothing.
        with self._slots.hold(principal.user_id):
            async with contextlib.aclosing(self._follow(principal, spec, after)) as elements:
                async for element in elements:
                    self._delivered[element.kind].inc()
                    yield element

    async def _follow(
        self, principal: Principal, spec: WatchFilter, after: int | None
    ) -> AsyncGenerator[ticket_change_pb2.TicketChange]:
        async with self._feed.watch(concerns=spec.concerns) as subscription:
            sessions = self._by_session[principal.session_id]
            sessions.add(subscription)
            try:
                async with self._feed.stream_reading() as uow:
                    state = await uow.ticket_changes.state()
                if after is None:
                    last = state.last_position
                elif after > state.last_position:
                    raise FailedPrecondition(
                        "after_cursor is not known to this service: reload the list and watch without a cursor",
                        reason="CURSOR_UNKNOWN",
                    )
                elif after < state.pruned_through:
                    raise _expired()
                else:
                    last = after
                    async for resolved in self._replay(last):
                        last = resolved.change.position
                        element = spec.element(resolved)
                        if element is not None:
                            yield element
                yield marker(ticket_change_pb2.TICKET_CHANGE_KIND_CAUGHT_UP, last)
                while True:
                    item = await subscription.next(wait_seconds=self._heartbeat)
                    if item is None:
                        # Nothing is queued: every change the feed has delivered so far is behind us
                        # (read before any await: later ones arrive in the inbox with higher positions).
                        last = max(last, self._feed.delivered or 0)
                        await self._check_session(principal)
                        yield marker(ticket_change_pb2.TICKET_CHANGE_KIND_HEARTBEAT, last)
                        continue
                    assert isinstance(item, ResolvedChange)
                    # The feed offers only the changes this stream's filter concerns, in log order.
                    if item.change.position <= last:
                        continue
                    last = item.change.position
                    element = spec.element(item)
                    if element is not None:
                        yield element
            finally:
                sessions.discard(subscription)
                if not sessions:
                    self._by_session.pop(principal.session_id, None)

    async def _replay(self, after: int) -> AsyncIterator[ResolvedChange]:
        last = after
        while True:
            async with self._feed.stream_reading() as uow:
                page = await read_changes(uow, after=last, limit=REPLAY_PAGE)
            for resolved in page:
                if resolved.change.position != last + 1:
                    # The log is gap-free: a hole is changes pruned while this stream replayed.
                    raise _expired()
                last = resolved.change.position
                yield resolved
            if len(page) < REPLAY_PAGE:
                return

    async def _check_session(self, principal: Principal) -> None:
        if self._principals.local_layer_live:
            return
        # Revocations are not announced right now: ask PostgreSQL.
        async with self._feed.stream_reading() as uow:
            found = await uow.sessions.get_with_user(session_id=principal.session_id)
        if found is None or found[0].revoked or not found[1].active or found[1].role != principal.role:
            raise Unauthenticated(SESSION_ENDED)


def _expired() -> FailedPrecondition:
    return FailedPrecondition(
        "after_cursor is older than the change log keeps: reload the list and watch without a cursor",
        reason="CURSOR_EXPIRED",
    )

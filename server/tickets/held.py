"""Tickets held in each replica's memory for GetTicket, kept exact by pushed invalidation.

GetTicket's reads are mostly repeated reads of unchanged tickets (an agent's open ticket, a
customer checking theirs). A replica keeps each ticket it read, as PostgreSQL gave it, and
answers from memory under the rules of `storage.redis.invalidations` (live subscription only,
generations, bound and TTL):

- Every change of a ticket logs it in the change log (`server.tickets.changes.log_change`) and
  tells the change listener once committed, naming the ticket: the listener (the change feed of
  the replica) drops it here before the write is acknowledged and announces it to the others.
  Creations name nothing: a ticket not read yet is not held.
- Writes that change what GetTicket shows without naming their tickets tell the listener
  `tickets_changed(None)`: every held ticket goes, here and everywhere (an erasure, a retention
  pass, an SLA policy deletion, all rare).
- Display names are the users': every write to a user row drops the user's record on every
  replica (`server.auth.principal_cache`), and with it the tickets held here that name the user
  as customer or assignee. A sign-in writes only its time, which no ticket shows: it drops the
  record alone (`dependents=False`), and the tickets naming the user stay held (their generation
  stays too, so reads under way are kept).

What a reply shows for the caller's audience, and whether the caller may see the ticket at all,
is decided on each call from the held row, exactly as from a fresh one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from typing import Any

from redis.asyncio import Redis

from storage.redis import RedisUnavailable
from storage.redis.invalidations import LocalCache, announce, invalidations_for
from storage.repositories.ticket_records import TicketView

_log = logging.getLogger(__name__)

# The invalidation kind of held tickets; the key `*` names every ticket.
TICKETS = "ticket"
EVERY_TICKET = "*"

# As long as a user record is held (server.auth.principal_cache): the bound on how long a ticket
# could outlive an announcement lost by a writer that committed but could not publish.
TTL_SECONDS = 5.0
# The tickets a busy desk has open at once come to a few thousand, at a kilobyte or two each; the
# bound keeps the worst case (every one at the 20,000-character description limit) near 100 MB.
MAX_ENTRIES = 5_000


def _parse_key(text: str) -> str:
    # Held tickets are keyed by their id's canonical text: a GetTicket request names it so, and a
    # held ticket is found without parsing its id.
    return EVERY_TICKET if text == EVERY_TICKET else str(uuid.UUID(text))


class HeldTickets:
    """The tickets one replica holds (see the module's docstring); entries go with its subscription."""

    def __init__(
        self,
        redis: Redis,
        *,
        user_records: LocalCache[uuid.UUID, Any],
        ttl_seconds: float = TTL_SECONDS,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self._redis = redis
        self._max_entries = max_entries
        self.entries: LocalCache[str, TicketView] = invalidations_for(redis).cache(
            TICKETS, parse_key=_parse_key, value_type=TicketView, ttl_seconds=ttl_seconds, max_entries=max_entries
        )
        self.entries.drop_listeners.add(self._dropped)
        # The held tickets that name each user (customer or assignee): what a user's change makes stale.
        # A superset (entries that expired or went stay listed): dropping an absent key does nothing.
        self._naming: dict[uuid.UUID, set[str]] = {}
        self._links = 0
        user_records.dependents.add(self._users_dropped)

    def get(self, ticket_id: str) -> TicketView | None:
        """The held ticket of the id's canonical text, if the subscription is live and it is fresh."""
        return self.entries.get(ticket_id)

    @property
    def generation(self) -> int:
        """Take it before reading a ticket from PostgreSQL; `put` keeps the answer only if nothing dropped since."""
        return self.entries.generation

    def put(self, view: TicketView, *, generation: int) -> None:
        """Holds `view` unless a ticket was dropped since `generation` was taken."""
        if generation != self.entries.generation or not self.entries.live:
            return
        if self._links >= 4 * self._max_entries:
            # The index outgrew its entries: start both afresh (entries missing from it would go stale).
            self._forget_all()
            return
        key = str(view.id)
        for user_id in (view.customer_id, view.assignee_id):
            if user_id is not None:
                naming = self._naming.setdefault(user_id, set())
                if key not in naming:
                    naming.add(key)
                    self._links += 1
        self.entries.put(key, view, generation=generation)

    async def changed(self, ticket_ids: Collection[uuid.UUID] | None) -> None:
        """The tickets changed (None: which is unknown, so all): forgotten here at once, then announced.

        Call it once the change has committed and before acknowledging it. An announcement that
        fails is logged: the other replicas' copies expire within the TTL.
        """
        if ticket_ids is not None and not ticket_ids:
            return
        keys = [EVERY_TICKET] if ticket_ids is None else [str(ticket_id) for ticket_id in ticket_ids]
        self.entries.drop(keys)
        try:
            await announce(self._redis, TICKETS, keys)
        except RedisUnavailable as exc:
            _log.error(
                "could not announce %d changed ticket(s); copies elsewhere expire within the TTL: %s", len(keys), exc
            )

    def _dropped(self, keys: Collection[str]) -> None:
        if EVERY_TICKET in keys:
            self._forget_all()

    def _forget_all(self) -> None:
        self._naming.clear()
        self._links = 0
        self.entries.clear()

    def _users_dropped(self, user_ids: Collection[uuid.UUID]) -> None:
        # Always a drop, even of nothing: it bumps the generation, so a ticket read with the old name is not kept.
        named: set[str] = set()
        for user_id in user_ids:
            tickets = self._naming.pop(user_id, set())
            self._links -= len(tickets)
            named |= tickets
        self.entries.drop(named)

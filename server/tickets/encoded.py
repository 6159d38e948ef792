"""Tickets kept serialized, keyed by what their message is made of: GetTicket and ListTickets answered as bytes.

Building a Ticket message from its row (thirty fields, up to seven Timestamps) and serializing
it is most of what a list page costs beyond the call itself. The same ticket, read again
unchanged, makes the same bytes: they are kept, keyed by everything of the fresh row that the
message depends on and that its `version` does not already account for, so an entry never needs
invalidating. A changed ticket has a new key; its old entry is simply never asked for again and
ages out. The rows themselves come from PostgreSQL (GetTicket's, or from the replica's memory
while they are exact: server.tickets.held): only the conversion of an unchanged row is skipped.

What the key holds beyond the audience, and why (see `TicketRepository` and `storage.models.sla`):

- `id`, `version`: every change of the ticket's own fields bumps the version (edits, status,
  assignee, tags, public messages with their count, rating, erasure, and the SLA due times,
  pause and first response, which are only written beside such a change).
- the customer's and assignee's display names: they are the users', renamed without touching
  the ticket.
- for staff, `message_count`: an internal note counts without bumping the version, so that
  customers cannot notice it.
- for staff, the SLA stages (`first_response_sla`, `resolution_sla`): the breach job moves
  them without bumping the version (SLA state is not an edit). Nothing in the message is
  computed from the time of reading: the stages are stored.
- for staff, `sla_policy_id`: deleting a policy clears it on its tickets (ON DELETE SET NULL).

`KEYED_OR_VERSIONED` accounts for every field of the message; a test keeps it complete.

A list page's whole reply is kept too, with the stamps it was made from (`list_page`): a queue
view is asked for again and again unchanged, and comparing its stamps with the kept ones costs a
seventh of hashing each ticket's key to find its entry. The rows are still read on every call.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Any, cast

from prometheus_client import Counter

from helpdesk.v1 import ticket_pb2
from server.core.encoded_answers import delimited, varint
from server.tickets.convert import view_fields
from storage.repositories.ticket_records import TicketStamp, TicketView

# The row's fields the message depends on beyond `version`, per audience (see the module docstring).
CUSTOMER_KEY_FIELDS = ("id", "version", "customer_display_name", "assignee_display_name")
STAFF_KEY_FIELDS = (
    *CUSTOMER_KEY_FIELDS,
    "message_count",
    "first_response_sla",
    "resolution_sla",
    "sla_policy_id",
)
# Each Ticket message field, with what keeps it from going stale in a kept entry.
KEYED_OR_VERSIONED = {
    "id": "key",
    "number": "version",
    "subject": "version",
    "description": "version",
    "priority": "version",
    "status": "version",
    "category": "version",
    "tags": "version",
    "customer_id": "version",
    "customer_display_name": "key",
    "assignee_id": "version",
    "assignee_display_name": "key",
    "message_count": "key (staff), version (customers: public messages bump it)",
    "create_time": "version",
    "update_time": "version",
    "resolve_time": "version",
    "close_time": "version",
    "etag": "key",
    "first_response_due_time": "version",
    "resolution_due_time": "version",
    "first_response_time": "version",
    "first_response_breached": "key",
    "resolution_breached": "key",
    "sla_paused": "version",
    "sla_policy_id": "key",
    "sla_at_risk": "key",
    "rating": "version",
    "rating_comment": "version",
    "rate_time": "version",
    "source_chat_id": "version",
}


def _key_getter(record: type[TicketView | TicketStamp], names: Sequence[str]) -> Any:
    # One C call building the key tuple from the row by position; the same tuple from either record.
    return operator.itemgetter(*(record._fields.index(name) for name in names))


_CUSTOMER_KEY = _key_getter(TicketView, CUSTOMER_KEY_FIELDS)
_STAFF_KEY = _key_getter(TicketView, STAFF_KEY_FIELDS)
_CUSTOMER_STAMP_KEY = _key_getter(TicketStamp, CUSTOMER_KEY_FIELDS)
# Stamps may come as the driver's rows (`list_page`): their id by position.
_STAMP_ID = TicketStamp._fields.index("id")
_STAFF_STAMP_KEY = _key_getter(TicketStamp, STAFF_KEY_FIELDS)

# Whole list pages kept (`EncodedTickets.list_page`): the pages agents keep open at once (queue
# views, their own tickets, a few filters each) and the first pages of customers' own lists.
_KEPT_PAGES = 256

# ListTicketsResponse's fields (helpdesk/v1/ticket_service.proto): tickets = 1 (length-delimited),
# next_page_token = 2 (length-delimited), total_size = 3 (varint).
_TICKETS_TAG = b"\x0a"
_NEXT_PAGE_TOKEN_TAG = b"\x12"
_TOTAL_SIZE_TAG = b"\x18"


def list_tail(next_page_token: str, total_size: int) -> bytes:
    """The encoded ListTicketsResponse fields after its tickets (each left out at its default, as protobuf does)."""
    tail = b""
    if next_page_token:
        token = next_page_token.encode()
        tail = delimited(_NEXT_PAGE_TOKEN_TAG, token)
    if total_size:
        tail += _TOTAL_SIZE_TAG + varint(total_size)
    return tail


def encode_ticket(view: TicketView, *, staff: bool) -> bytes:
    """The serialized Ticket message of `view` for the audience, built the usual way."""
    return ticket_pb2.Ticket(**view_fields(view, staff=staff)).SerializeToString()


class EncodedTickets:
    """Serialized Ticket messages by exact content key, bounded in entries and bytes.

    Each entry is the ticket as a ListTicketsResponse's `tickets` field (tag, length, message):
    a page is their concatenation, and GetTicket's reply is the message part.

    Recency is kept in two generations rather than by reordering on every hit: entries are
    added to the young one, an entry found in the old one moves to the young one, and when the
    young one reaches half the bounds it becomes the old one (the previous old one is dropped).
    A hit in the young generation is one dict lookup; what was not read for a whole generation
    goes. At most twice half the bounds are held.
    """

    def __init__(
        self,
        *,
        max_entries: int,
        max_bytes: int,
        hits: Counter | None = None,
        misses: Counter | None = None,
        page_hits: Counter | None = None,
    ) -> None:
        if max_entries < 2 or max_bytes < 2:
            raise ValueError("the bounds hold at least two entries and two bytes")
        self._generation_entries = max_entries // 2
        self._generation_bytes = max_bytes // 2
        # An entry larger than this is built on every read rather than kept: a few huge tickets
        # would otherwise push out a whole generation.
        self._max_entry_bytes = self._generation_bytes // 4
        self._young: dict[tuple[Any, ...], bytes] = {}
        self._young_bytes = 0
        self._old: dict[tuple[Any, ...], bytes] = {}
        self._hits = hits
        self._misses = misses
        # Whole list pages (`list_page`): by page key, the stamps read and the encoded reply, the
        # oldest first; bounded in count and in bytes (a quarter of the entries' bound).
        self._pages: dict[Hashable, tuple[Sequence[Sequence[Any]], bytes]] = {}
        self._pages_bytes = 0
        self._max_pages_bytes = max_bytes // 4
        self._page_hits = page_hits

    def __len__(self) -> int:
        return len(self._young) + len(self._old)

    @property
    def size_bytes(self) -> int:
        """The bytes of the entries held (their encoded tickets)."""
        return self._young_bytes + sum(map(len, self._old.values()))

    @property
    def pages(self) -> tuple[int, int]:
        """How many whole list pages are kept (`list_page`), and their bytes."""
        return len(self._pages), self._pages_bytes

    def ticket(self, view: TicketView, *, staff: bool) -> bytes:
        """The serialized Ticket message of `view` as `staff` (or a customer) sees it."""
        framed = self.page((view,), staff=staff)[0]
        # Skip the tag and the varint length in front of the message.
        start = 2
        while framed[start - 1] & 0x80:
            start += 1
        return framed[start:]

    def page(self, views: Sequence[TicketView], *, staff: bool) -> list[bytes]:
        """Each ticket of `views` as an encoded `tickets` field of ListTicketsResponse, in order."""
        key_of = _STAFF_KEY if staff else _CUSTOMER_KEY
        parts: list[bytes] = []
        misses = 0
        for view in views:
            key = (staff, key_of(view))
            framed = self._young.get(key) or self._promoted(key)
            if framed is None:
                misses += 1
                framed = self._built(key, view, staff)
            parts.append(framed)
        self._count(len(parts) - misses, misses)
        return parts

    async def list_page(
        self,
        key: Hashable,
        read: Sequence[Sequence[Any]],
        *,
        size: int,
        staff: bool,
        next_page_token: Callable[[], str],
        views: Callable[[list[uuid.UUID]], Awaitable[Mapping[uuid.UUID, TicketView]]],
    ) -> bytes:
        """A ListTicketsResponse's tickets and `next_page_token`, encoded, of a page read as stamps.

        `read` is the page's stamps as read (rows of `TicketStamp`'s columns), up to `size` + 1 of
        them (one more than the page tells that there is a next page; `next_page_token` makes its
        token); `views` reads the tickets not kept (`_stamp_parts`). The caller must not change
        `read` afterwards: it may be kept.

        The reply of a page is kept whole under `key`, with the stamps it was made from, and given
        again only to a call that read equal stamps (a comparison, no hashing): the stamps hold
        every field an entry's key holds, so the same stamps make the same tickets' bytes, and
        the same sort keys of the last one make the same token. `key` must therefore name the
        filters with the order (a token depends on them) and the page size; the audience is added
        here. It may name more (the page token, the caller): that only keeps pages apart. Only a
        page whose every ticket was kept already is kept: one built from tickets read after its
        stamps could show a ticket newer than its stamp says.
        """
        page_key = (staff, key)
        kept = self._pages.get(page_key)
        if kept is not None and kept[0] == read:
            if self._page_hits is not None:
                self._page_hits.inc()
            return kept[1]
        parts, complete = await self._stamp_parts(read[:size], staff, views)
        parts.append(list_tail(next_page_token(), 0))
        reply = b"".join(parts)
        if complete:
            self._keep_page(page_key, read, reply)
        return reply

    def _keep_page(self, page_key: Hashable, read: Sequence[Sequence[Any]], reply: bytes) -> None:
        pages = self._pages
        if len(reply) > self._max_pages_bytes // 8:
            # A few huge pages would push out every other.
            return
        replaced = pages.pop(page_key, None)
        if replaced is not None:
            self._pages_bytes -= len(replaced[1])
        while pages and (len(pages) >= _KEPT_PAGES or self._pages_bytes + len(reply) > self._max_pages_bytes):
            self._pages_bytes -= len(pages.pop(next(iter(pages)))[1])
        pages[page_key] = (read, reply)
        self._pages_bytes += len(reply)

    async def _stamp_parts(
        self,
        stamps: Sequence[Sequence[Any]],
        staff: bool,
        read: Callable[[list[uuid.UUID]], Awaitable[Mapping[uuid.UUID, TicketView]]],
    ) -> tuple[list[bytes], bool]:
        """The encoded tickets of a page read as stamps, and whether every one was kept already (none read).

        The tickets not kept are read whole with `read` (their ids). That second read is later than
        the stamps': a ticket changed in between shows as it is then (never older than the page),
        and one deleted in between is left out of the page.
        """
        key_of = _STAFF_STAMP_KEY if staff else _CUSTOMER_STAMP_KEY
        young = self._young.get
        parts: list[bytes | None] = []
        missing: list[int] = []
        for stamp in stamps:
            key = (staff, key_of(stamp))
            framed = young(key) or self._promoted(key)
            if framed is None:
                missing.append(len(parts))
            parts.append(framed)
        if missing:
            views = await read([stamps[index][_STAMP_ID] for index in missing])
            view_key = _STAFF_KEY if staff else _CUSTOMER_KEY
            for index in missing:
                view = views.get(stamps[index][_STAMP_ID])
                if view is not None:
                    parts[index] = self._built((staff, view_key(view)), view, staff)
        self._count(len(parts) - len(missing), len(missing))
        if missing:
            return [part for part in parts if part is not None], False
        return cast("list[bytes]", parts), True

    def _promoted(self, key: tuple[Any, ...]) -> bytes | None:
        """The entry of `key` from the old generation, moved to the young one; None if not kept."""
        framed = self._old.pop(key, None)
        if framed is not None:
            self._keep(key, framed)
        return framed

    def _built(self, key: tuple[Any, ...], view: TicketView, staff: bool) -> bytes:
        """The entry of `view`, built and kept under `key` (unless too large to keep)."""
        body = encode_ticket(view, staff=staff)
        framed = delimited(_TICKETS_TAG, body)
        if len(framed) <= self._max_entry_bytes:
            self._keep(key, framed)
        return framed

    def _keep(self, key: tuple[Any, ...], framed: bytes) -> None:
        young = self._young
        if len(young) >= self._generation_entries or self._young_bytes + len(framed) > self._generation_bytes:
            self._old = young
            self._young = young = {}
            self._young_bytes = 0
        young[key] = framed
        self._young_bytes += len(framed)

    def _count(self, hits: int, misses: int) -> None:
        if hits and self._hits is not None:
            self._hits.inc(hits)
        if misses and self._misses is not None:
            self._misses.inc(misses)

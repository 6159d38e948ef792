"""ListTickets input: `order_by` parsing, the caller's visibility, and keyset page tokens."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from server.core.context import Principal
from server.core.errors import InvalidArgument
from server.core.validation import reject_nul
from server.tickets.transitions import Priority, Status
from server.tickets.validation import MAX_QUERY, check_tag_filter, parse_user_id
from storage.pagination import decode_page_token, encode_page_token, filters_digest
from storage.repositories.ticket_listing import SORT_COLUMNS, SortKey, TicketFilter
from storage.repositories.ticket_records import TicketStamp, TicketView

DEFAULT_ORDER = (SortKey("create_time", descending=True),)
_TIME_KEYS = {"create_time", "update_time", "due_time"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ListTicketsQuery:
    """ListTickets filters as the servicer parsed them (enums already domain values)."""

    statuses: Sequence[Status] = ()
    priorities: Sequence[Priority] = ()
    assignee_id: str = ""
    customer_id: str = ""
    tag: str = ""
    category: str = ""
    create_time_start: datetime | None = None
    create_time_end: datetime | None = None
    query: str = ""
    order_by: str = ""
    number: int = 0
    sla_breached: bool = False


# `order_by` texts are few (a client names one of a handful of orders), and every list call parses
# one: each is parsed once and kept. Bounded in count and in length (a longer text, which no
# client's order needs, is parsed on every call); refusals are never kept, so they repeat alike.
_KEPT_ORDERS = 256
_KEPT_ORDER_LENGTH = 128


def parse_order_by(value: str, *, field: str = "order_by") -> tuple[SortKey, ...]:
    """AIP-132 `order_by`: comma-separated keys of SORT_COLUMNS, each optionally ` desc` (or ` asc`)."""
    if len(value) <= _KEPT_ORDER_LENGTH:
        return _kept_order(value, field)
    return _parse_order_by(value, field)


@functools.lru_cache(maxsize=_KEPT_ORDERS)
def _kept_order(value: str, field: str) -> tuple[SortKey, ...]:
    return _parse_order_by(value, field)


def _parse_order_by(value: str, field: str) -> tuple[SortKey, ...]:
    if not value.strip():
        return DEFAULT_ORDER
    keys: list[SortKey] = []
    for item in value.split(","):
        words = item.split()
        if not words or len(words) > 2 or words[0] not in SORT_COLUMNS:
            raise InvalidArgument.field(field, f"sort by {', '.join(SORT_COLUMNS)}, each optionally followed by desc")
        if len(words) == 2 and words[1].lower() not in ("asc", "desc"):
            raise InvalidArgument.field(field, f"unknown direction {words[1]!r}: use asc or desc")
        if any(key.name == words[0] for key in keys):
            raise InvalidArgument.field(field, f"{words[0]} is named twice")
        keys.append(SortKey(words[0], descending=len(words) == 2 and words[1].lower() == "desc"))
    return tuple(keys)


def build_filter(query: ListTicketsQuery, *, principal: Principal) -> TicketFilter | None:
    """The storage filter for `query` as `principal` may see it; None when nothing can match.

    Customers always get their own tickets only, whatever the filters say.
    """
    order = parse_order_by(query.order_by)
    text = query.query.strip()
    if len(text) > MAX_QUERY:
        raise InvalidArgument.field("query", f"must be at most {MAX_QUERY} characters")
    reject_nul(text, field="query")
    reject_nul(query.category, field="category")
    if query.number < 0:
        raise InvalidArgument.field("number", "must be a ticket number (1 or more), or 0 for any")
    if query.create_time_start and query.create_time_end and query.create_time_start >= query.create_time_end:
        raise InvalidArgument.field("create_time_end", "must be after create_time_start")
    assignee_id: uuid.UUID | None = None
    unassigned = False
    if query.assignee_id == "me":
        assignee_id = principal.user_id
    elif query.assignee_id == "none":
        unassigned = True
    elif query.assignee_id:
        assignee_id = parse_user_id(query.assignee_id, field="assignee_id")
    customer_id = parse_user_id(query.customer_id, field="customer_id") if query.customer_id else None
    if not principal.is_staff:
        # Customers never see service levels: asking for breached tickets finds none.
        if (customer_id is not None and customer_id != principal.user_id) or query.sla_breached:
            return None
        customer_id = principal.user_id
    return TicketFilter(
        statuses=[status.value for status in query.statuses],
        priorities=[int(priority) for priority in query.priorities],
        assignee_id=assignee_id,
        unassigned=unassigned,
        customer_id=customer_id,
        tag=check_tag_filter(query.tag),
        category=query.category.strip() or None,
        create_time_start=query.create_time_start,
        create_time_end=query.create_time_end,
        query=text or None,
        number=query.number or None,
        search_internal=principal.is_staff,
        sla_breached=query.sla_breached,
        order=order,
    )


# Digests of the filters of recent list calls: a client pages through one filter at a time, and
# the digest (canonical JSON, then SHA-256) costs more than the rest of the token. Bounded in
# count and in the text a kept entry holds (longer filters are digested on every call).
_KEPT_DIGESTS = 256
_KEPT_DIGEST_TEXT = 256


def token_filters(query: ListTicketsQuery) -> str:
    """What a page token is bound to: the digest of every request field but the page size and token."""
    text = (
        query.assignee_id,
        query.customer_id,
        query.tag,
        query.category,
        query.query,
        query.order_by,
    )
    fields = (
        ("statuses", tuple(sorted(status.value for status in query.statuses))),
        ("priorities", tuple(sorted(int(priority) for priority in query.priorities))),
        ("assignee_id", query.assignee_id),
        ("customer_id", query.customer_id),
        ("tag", query.tag),
        ("category", query.category),
        ("create_time_start", query.create_time_start.isoformat() if query.create_time_start else ""),
        ("create_time_end", query.create_time_end.isoformat() if query.create_time_end else ""),
        ("query", query.query),
        ("order_by", query.order_by),
        ("number", query.number),
        ("sla_breached", query.sla_breached),
    )
    if sum(map(len, text)) <= _KEPT_DIGEST_TEXT:
        return _kept_digest(fields)
    return _digest(fields)


@functools.lru_cache(maxsize=_KEPT_DIGESTS)
def _kept_digest(fields: tuple[tuple[str, object], ...]) -> str:
    return _digest(fields)


def _digest(fields: tuple[tuple[str, object], ...]) -> str:
    # Tuples are JSON arrays: the digest of the lists tokens were always bound to.
    return filters_digest(dict(fields))


def encode_position(
    ticket: TicketView | TicketStamp, order: Sequence[SortKey], filters: Mapping[str, object] | str
) -> str:
    """The next-page token after `ticket`."""
    values: list[str] = []
    for key in order:
        value = getattr(ticket, key.name)
        if key.name in _TIME_KEYS:
            # The ISO text of the aware UTC datetime, as tokens have always carried it.
            values.append((_EPOCH + timedelta(microseconds=value)).isoformat())
        else:
            values.append(str(value))
    values.append(str(ticket.id))
    return encode_page_token(position=values, filters=filters)


class StampPage(NamedTuple):
    """A ListTickets page read as stamps, for `EncodedTickets.list_page`; its next-page token made on demand.

    `read` holds up to `size` + 1 rows: one more than the page tells that a next page exists.
    `key` names the page among those kept encoded: the digest of the filters (the order among
    them), the page token and size, and the caller when what the filters select depends on who
    asks (a customer's own tickets, `assignee_id=me`), so that such pages do not displace each other.
    """

    # As the driver gave them: `TicketStamp`'s columns by position, made records only when needed.
    read: list[Sequence[Any]]
    size: int
    order: Sequence[SortKey]
    filters: str
    key: tuple[Any, ...]

    @property
    def stamps(self) -> list[TicketStamp]:
        """The page's stamps."""
        return [TicketStamp._make(row) for row in self.read[: self.size]]

    def next_page_token(self) -> str:
        """The token of the page after this one ("" on the last page)."""
        if len(self.read) <= self.size:
            return ""
        return encode_position(TicketStamp._make(self.read[self.size - 1]), self.order, self.filters)


def decode_position(token: str, order: Sequence[SortKey], filters: Mapping[str, object] | str) -> list[Any] | None:
    """The keyset position in `token` (typed per sort key); None for the first page."""
    raw = decode_page_token(token, filters=filters)
    if raw is None:
        return None
    try:
        if len(raw) != len(order) + 1:
            raise ValueError("wrong length")
        position: list[Any] = []
        for key, value in zip(order, raw[:-1], strict=True):
            if key.name in _TIME_KEYS:
                parsed = datetime.fromisoformat(value)
                if parsed.tzinfo is None:
                    raise ValueError("naive timestamp")
                position.append(parsed)
            else:
                position.append(int(value))
        position.append(uuid.UUID(raw[-1]))
    except ValueError:
        raise InvalidArgument.field("page_token", "is not a page token returned by this method") from None
    return position


def decode_seq_token(token: str, filters: dict[str, object]) -> int | None:
    """The `seq` position of a message/event page token; None for the first page."""
    raw = decode_page_token(token, filters=filters)
    if raw is None:
        return None
    try:
        (value,) = raw
        return int(value)
    except ValueError:
        raise InvalidArgument.field("page_token", "is not a page token returned by this method") from None

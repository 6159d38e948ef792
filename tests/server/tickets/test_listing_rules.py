"""ListTickets input rules without a server: order_by parsing and what customers may see."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import pytest

from server.core.context import Principal, Role
from server.core.errors import InvalidArgument
from server.tickets.listing import ListTicketsQuery, _kept_order, build_filter, parse_order_by, token_filters
from server.tickets.transitions import Priority, Status
from storage.pagination import filters_digest
from storage.repositories.ticket_listing import SortKey


def _principal(role: Role) -> Principal:
    return Principal(user_id=uuid.uuid4(), role=role, session_id=uuid.uuid4())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", (SortKey("create_time", descending=True),)),
        ("priority desc, create_time", (SortKey("priority", True), SortKey("create_time", False))),
        ("number asc", (SortKey("number", False),)),
        ("update_time desc", (SortKey("update_time", True),)),
    ],
)
def test_order_by(value: str, expected: tuple[SortKey, ...]) -> None:
    assert parse_order_by(value) == expected


@pytest.mark.parametrize("value", ["subject", "priority up", "priority, priority", "create_time desc extra", ","])
def test_bad_order_by(value: str) -> None:
    # Refused every time it is named, not only the first.
    for _ in range(2):
        with pytest.raises(InvalidArgument):
            parse_order_by(value)


def test_order_by_of_any_length_and_many_texts() -> None:
    long = "priority desc," + " " * 300 + "create_time"
    assert parse_order_by(long) == (SortKey("priority", True), SortKey("create_time", False))
    with pytest.raises(InvalidArgument):
        parse_order_by(long + ", subject")
    # Thousands of distinct texts all parse, and what is kept of them stays bounded.
    for before in range(40):
        for after in range(40):
            text = "number" + " " * before + "," + " " * after + "priority desc"
            assert parse_order_by(text) == (SortKey("number", False), SortKey("priority", True))
    kept = _kept_order.cache_info()
    assert kept.maxsize is not None
    assert kept.currsize <= kept.maxsize


def test_customers_always_see_only_their_own() -> None:
    customer = _principal(Role.CUSTOMER)
    spec = build_filter(ListTicketsQuery(), principal=customer)
    assert spec is not None
    assert spec.customer_id == customer.user_id
    assert not spec.search_internal
    assert build_filter(ListTicketsQuery(customer_id=str(uuid.uuid4())), principal=customer) is None


def test_staff_aliases() -> None:
    agent = _principal(Role.AGENT)
    mine = build_filter(ListTicketsQuery(assignee_id="me"), principal=agent)
    assert mine is not None
    assert mine.assignee_id == agent.user_id
    assert mine.search_internal
    nobody = build_filter(ListTicketsQuery(assignee_id="none"), principal=agent)
    assert nobody is not None
    assert nobody.unassigned


@pytest.mark.parametrize(
    "query",
    [
        ListTicketsQuery(),
        ListTicketsQuery(
            statuses=[Status.IN_PROGRESS, Status.OPEN],
            priorities=[Priority.URGENT, Priority.LOW],
            assignee_id="none",
            order_by="priority desc, create_time",
        ),
        ListTicketsQuery(
            customer_id=str(uuid.uuid4()),
            tag="printer",
            category="hardware",
            create_time_start=datetime(2026, 1, 1, tzinfo=UTC),
            create_time_end=datetime(2026, 2, 1, 12, 30, 0, 5, tzinfo=UTC),
            query="paper jam",
            number=1042,
            sla_breached=True,
        ),
        ListTicketsQuery(query="printer " * 60, category="c" * 64),
    ],
    ids=["none", "queue", "every filter", "long text"],
)
def test_page_tokens_stay_bound_to_the_same_filters(query: ListTicketsQuery) -> None:
    # The digest every token issued so far carries: tokens in clients' hands keep working.
    always = {
        "statuses": sorted(status.value for status in query.statuses),
        "priorities": sorted(int(priority) for priority in query.priorities),
        "assignee_id": query.assignee_id,
        "customer_id": query.customer_id,
        "tag": query.tag,
        "category": query.category,
        "create_time_start": query.create_time_start.isoformat() if query.create_time_start else "",
        "create_time_end": query.create_time_end.isoformat() if query.create_time_end else "",
        "query": query.query,
        "order_by": query.order_by,
        "number": query.number,
        "sla_breached": query.sla_breached,
    }
    for _ in range(2):
        assert token_filters(query) == filters_digest(always)
    other = dataclasses.replace(query, order_by="number")
    assert token_filters(other) != token_filters(query)

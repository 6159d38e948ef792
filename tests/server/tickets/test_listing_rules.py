"""ListTickets input rules without a server: order_by parsing and what customers may see."""

from __future__ import annotations

import uuid

import pytest

from server.core.context import Principal, Role
from server.core.errors import InvalidArgument
from server.tickets.listing import ListTicketsQuery, _kept_order, build_filter, parse_order_by
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

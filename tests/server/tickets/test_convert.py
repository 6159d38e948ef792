"""Reads (TicketView) and writes (TicketRecord) of the same ticket: the same message, the same page token."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.tickets.convert import ticket_fields, ticket_to_proto, view_fields, view_to_proto
from server.tickets.listing import decode_position, encode_position
from storage.pagination import encode_page_token
from storage.repositories.ticket_listing import SortKey
from storage.repositories.ticket_records import TicketRecord, TicketView

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _record(**changes: Any) -> TicketRecord:
    when = datetime(2026, 12, 7, 15, 45, 13, 123456, tzinfo=UTC)
    record = TicketRecord(
        id=uuid.uuid4(),
        number=1042,
        subject="Printer ü ✓",
        description="Paper jams",
        priority=3,
        status="open",
        category="hardware",
        tags=["printer", "floor-2"],
        customer_id=uuid.uuid4(),
        customer_display_name="Ana",
        assignee_id=None,
        assignee_display_name="",
        public_message_count=1,
        message_count=2,
        create_time=when,
        update_time=when,
        resolve_time=None,
        close_time=None,
        version=3,
        sla_policy_id=None,
        sla_paused_since=None,
        first_response_time=None,
        first_response_due_time=None,
        first_response_sla=0,
        resolution_due_time=None,
        resolution_sla=0,
        due_time=None,
        rating=None,
        rating_comment="",
        rate_time=None,
        source_chat_id=None,
    )
    return record._replace(**changes)


def _view(record: TicketRecord) -> TicketView:
    return TicketView._make(
        (value - _EPOCH) // timedelta(microseconds=1) if isinstance(value, datetime) else value for value in record
    )


_BEFORE_1970 = datetime(1969, 7, 20, 20, 17, 40, 1, tzinfo=UTC)
_CASES = {
    "open": _record(),
    "no fraction": _record(create_time=datetime(2026, 1, 1, tzinfo=UTC), update_time=_EPOCH),
    "before 1970": _record(create_time=_BEFORE_1970, update_time=_EPOCH - timedelta(microseconds=1)),
    "closed and rated": _record(
        status="closed",
        assignee_id=uuid.uuid4(),
        assignee_display_name="Bea",
        resolve_time=datetime(2026, 12, 8, 1, 2, 3, 999999, tzinfo=UTC),
        close_time=datetime(2026, 12, 9, tzinfo=UTC),
        rating=5,
        rating_comment="Quick",
        rate_time=datetime(2026, 12, 8, 9, 0, 0, 500000, tzinfo=UTC),
        source_chat_id=uuid.uuid4(),
    ),
    "under an SLA": _record(
        sla_policy_id=uuid.uuid4(),
        sla_paused_since=datetime(2026, 12, 7, 18, 0, 0, 1, tzinfo=UTC),
        first_response_time=datetime(2026, 12, 7, 16, 0, 0, 250000, tzinfo=UTC),
        first_response_due_time=datetime(2026, 12, 7, 16, 45, 13, 123456, tzinfo=UTC),
        first_response_sla=2,
        resolution_due_time=datetime(9999, 1, 1, tzinfo=UTC),
        resolution_sla=1,
        due_time=datetime(9999, 1, 1, tzinfo=UTC),
    ),
    "SLA pending": _record(resolution_due_time=datetime(2026, 12, 10, 12, 0, 0, 7, tzinfo=UTC), first_response_sla=1),
}


@pytest.mark.parametrize("staff", [True, False], ids=["staff", "customer"])
@pytest.mark.parametrize("name", list(_CASES))
def test_a_view_and_its_record_give_the_same_ticket(name: str, staff: bool) -> None:
    record = _CASES[name]
    expected = ticket_to_proto(record, staff=staff)
    got = view_to_proto(_view(record), staff=staff)
    assert got.SerializeToString(deterministic=True) == expected.SerializeToString(deterministic=True)
    assert view_fields(_view(record), staff=staff) == ticket_fields(record, staff=staff)
    # Customers never see service levels.
    assert staff or not got.HasField("resolution_due_time")


@pytest.mark.parametrize("name", list(_CASES))
def test_a_page_token_after_a_view_is_the_one_its_record_gave(name: str) -> None:
    # Tokens carry the last row's sort key as ISO text: the same text as ever, so a token issued
    # before keeps working, and one issued now names the same position.
    record = _CASES[name]
    order = (SortKey("update_time", descending=True), SortKey("create_time", descending=False))
    filters: dict[str, object] = {"order_by": "update_time desc, create_time"}
    before = encode_page_token(
        position=[record.update_time.isoformat(), record.create_time.isoformat(), str(record.id)], filters=filters
    )
    assert encode_position(_view(record), order, filters) == before
    assert decode_position(before, order, filters) == [record.update_time, record.create_time, record.id]
    if record.due_time is not None:
        due = (SortKey("due_time", descending=False),)
        text = encode_page_token(position=[record.due_time.isoformat(), str(record.id)], filters=filters)
        assert encode_position(_view(record), due, filters) == text

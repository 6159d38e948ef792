"""Due times on tickets: set on create, recomputed on a new priority or category, paused while waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from google.protobuf import field_mask_pb2, timestamp_pb2
from sqlalchemy import text

from helpdesk.v1 import sla_policy_pb2, ticket_pb2, ticket_service_pb2
from storage.db import Database
from tests.server.sla.sla_support import HOUR, FakeClock, SlaStub, make_policy, new_category
from tests.server.tickets.helpers import Cast, TicketStub, move_to, open_ticket

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def due(ticket: ticket_pb2.Ticket, name: str) -> datetime:
    assert ticket.HasField(name), name  # type: ignore[arg-type]
    stamp: timestamp_pb2.Timestamp = getattr(ticket, name)
    return stamp.ToDatetime(tzinfo=UTC)


async def staff_view(stub: TicketStub, ticket_id: str, cast: Cast) -> ticket_pb2.Ticket:
    return await stub.GetTicket(ticket_service_pb2.GetTicketRequest(id=ticket_id), metadata=cast.agent_a.metadata)


async def reply(stub: TicketStub, ticket_id: str, author: object, *, internal: bool = False) -> None:
    await stub.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket_id, body="Hello", internal=internal),
        metadata=author.metadata,  # type: ignore[attr-defined]
    )


async def test_a_new_ticket_gets_the_due_times_of_its_policy(
    ticket_stub: TicketStub, sla_stub: SlaStub, cast: Cast, clock: FakeClock
) -> None:
    category = new_category()
    policy = await make_policy(sla_stub, cast.admin, category=category, first_response=HOUR, resolution=8 * HOUR)
    opened_at = clock.now
    created = await open_ticket(ticket_stub, cast.customer_a, category=category)
    # Customers never see service levels.
    assert not created.HasField("first_response_due_time")
    assert not created.sla_policy_id

    ticket = await staff_view(ticket_stub, created.id, cast)
    assert ticket.sla_policy_id == policy.id
    assert due(ticket, "first_response_due_time") == opened_at + HOUR
    assert due(ticket, "resolution_due_time") == opened_at + 8 * HOUR
    assert not ticket.first_response_breached
    assert not ticket.sla_paused


async def test_the_category_policy_wins_over_the_catch_all_and_no_policy_means_no_due_times(
    ticket_stub: TicketStub, sla_stub: SlaStub, cast: Cast, clock: FakeClock
) -> None:
    category = new_category()
    await make_policy(
        sla_stub, cast.admin, category=category, priority=ticket_pb2.TICKET_PRIORITY_URGENT, first_response=HOUR / 4
    )
    await make_policy(
        sla_stub, cast.admin, category="", priority=ticket_pb2.TICKET_PRIORITY_URGENT, first_response=2 * HOUR
    )
    specific = await open_ticket(
        ticket_stub, cast.customer_a, category=category, priority=ticket_pb2.TICKET_PRIORITY_URGENT
    )
    general = await open_ticket(
        ticket_stub, cast.customer_a, category=new_category(), priority=ticket_pb2.TICKET_PRIORITY_URGENT
    )
    nothing = await open_ticket(ticket_stub, cast.customer_a, category=new_category())
    assert due(await staff_view(ticket_stub, specific.id, cast), "first_response_due_time") == clock.now + HOUR / 4
    assert due(await staff_view(ticket_stub, general.id, cast), "first_response_due_time") == clock.now + 2 * HOUR
    unmanaged = await staff_view(ticket_stub, nothing.id, cast)
    assert not unmanaged.HasField("first_response_due_time")
    assert not unmanaged.HasField("resolution_due_time")


async def test_a_policy_changed_straight_in_the_database_applies_to_the_very_next_ticket(
    ticket_stub: TicketStub, cast: Cast, clock: FakeClock, database: Database
) -> None:
    # Servers keep the policies in process; no server hears of these writes, made in SQL. Each
    # must still apply to the next ticket (the update bumps the version, as every writer does).
    category = new_category()

    async def sql(statement: str) -> None:
        async with database.unit_of_work() as uow:
            await uow.session.execute(text(statement), {"category": category})

    async def first_response_due() -> datetime | None:
        created = await open_ticket(ticket_stub, cast.customer_a, category=category)
        ticket = await staff_view(ticket_stub, created.id, cast)
        return due(ticket, "first_response_due_time") if ticket.HasField("first_response_due_time") else None

    assert await first_response_due() is None
    await sql(
        "INSERT INTO sla_policies (display_name, priority, category, first_response_seconds, resolution_seconds)"
        " VALUES ('Written in SQL', 2, :category, 600, 3600)"
    )
    assert await first_response_due() == clock.now + timedelta(minutes=10)
    assert await first_response_due() == clock.now + timedelta(minutes=10)
    await sql("UPDATE sla_policies SET first_response_seconds = 1200, version = version + 1 WHERE category = :category")
    assert await first_response_due() == clock.now + timedelta(minutes=20)
    await sql("DELETE FROM sla_policies WHERE category = :category")
    assert await first_response_due() is None


async def test_business_hours_skip_the_night_and_the_weekend(
    ticket_stub: TicketStub, sla_stub: SlaStub, cast: Cast, clock: FakeClock
) -> None:
    category = new_category()
    hours = sla_policy_pb2.BusinessHours(
        time_zone="America/Sao_Paulo",
        working_hours=[
            sla_policy_pb2.WorkingHours(day=sla_policy_pb2.Weekday.ValueType(day), start_time="09:00", end_time="18:00")
            for day in range(1, 6)
        ],
        holidays=["2027-01-01"],
    )
    await make_policy(sla_stub, cast.admin, category=category, first_response=2 * HOUR, business_hours=hours)
    # Thursday 31 December 2026, 17:00 in São Paulo: an hour today, New Year's Day off, the weekend.
    clock.set(datetime(2026, 12, 31, 17, 0, tzinfo=SAO_PAULO))
    created = await open_ticket(ticket_stub, cast.customer_a, category=category)
    ticket = await staff_view(ticket_stub, created.id, cast)
    assert due(ticket, "first_response_due_time") == datetime(2027, 1, 4, 10, 0, tzinfo=SAO_PAULO)
    # 8 working hours: 1 on Thursday, 7 on Monday.
    assert due(ticket, "resolution_due_time") == datetime(2027, 1, 4, 16, 0, tzinfo=SAO_PAULO)


async def test_a_new_priority_or_category_recomputes_from_the_creation(
    ticket_stub: TicketStub, sla_stub: SlaStub, cast: Cast, clock: FakeClock
) -> None:
    category = new_category()
    await make_policy(
        sla_stub, cast.admin, category=category, priority=ticket_pb2.TICKET_PRIORITY_LOW, resolution=48 * HOUR
    )
    await make_policy(
        sla_stub,
        cast.admin,
        category=category,
        priority=ticket_pb2.TICKET_PRIORITY_HIGH,
        first_response=HOUR / 2,
        resolution=4 * HOUR,
    )
    opened_at = clock.now
    created = await open_ticket(
        ticket_stub, cast.customer_a, category=category, priority=ticket_pb2.TICKET_PRIORITY_LOW
    )
    clock.advance(HOUR / 6)
    raised = await ticket_stub.UpdateTicket(
        ticket_service_pb2.UpdateTicketRequest(
            ticket=ticket_pb2.Ticket(id=created.id, priority=ticket_pb2.TICKET_PRIORITY_HIGH),
            update_mask=field_mask_pb2.FieldMask(paths=["priority"]),
        ),
        metadata=cast.agent_a.metadata,
    )
    assert due(raised, "first_response_due_time") == opened_at + HOUR / 2
    assert due(raised, "resolution_due_time") == opened_at + 4 * HOUR
    # A category without any policy (HIGH has no catch-all here): the pending due times go.
    moved = await ticket_stub.UpdateTicket(
        ticket_service_pb2.UpdateTicketRequest(
            ticket=ticket_pb2.Ticket(id=created.id, category=new_category()),
            update_mask=field_mask_pb2.FieldMask(paths=["category"]),
        ),
        metadata=cast.agent_a.metadata,
    )
    assert not moved.HasField("first_response_due_time")
    assert not moved.HasField("resolution_due_time")
    assert not moved.sla_policy_id


async def test_waiting_on_the_customer_stops_the_clock_and_a_reply_resumes_it(
    ticket_stub: TicketStub, sla_stub: SlaStub, cast: Cast, clock: FakeClock
) -> None:
    category = new_category()
    await make_policy(sla_stub, cast.admin, category=category, first_response=HOUR, resolution=8 * HOUR)
    opened_at = clock.now
    created = await open_ticket(ticket_stub, cast.customer_a, category=category)
    clock.advance(HOUR / 6)
    waiting = await move_to(ticket_stub, created.id, ticket_pb2.TICKET_STATUS_WAITING_ON_CUSTOMER, cast.agent_a)
    assert waiting.sla_paused
    clock.advance(3 * HOUR)
    # The customer's reply reopens the ticket: the three hours waited do not count.
    await reply(ticket_stub, created.id, cast.customer_a)
    resumed = await staff_view(ticket_stub, created.id, cast)
    assert resumed.status == ticket_pb2.TICKET_STATUS_OPEN
    assert not resumed.sla_paused
    assert due(resumed, "first_response_due_time") == opened_at + 4 * HOUR
    assert due(resumed, "resolution_due_time") == opened_at + 11 * HOUR


async def test_the_first_public_reply_of_the_staff_is_the_first_response(
    ticket_stub: TicketStub, sla_stub: SlaStub, cast: Cast, clock: FakeClock
) -> None:
    category = new_category()
    await make_policy(sla_stub, cast.admin, category=category)
    created = await open_ticket(ticket_stub, cast.customer_a, category=category)
    clock.advance(HOUR / 12)
    await reply(ticket_stub, created.id, cast.customer_a)
    await reply(ticket_stub, created.id, cast.agent_a, internal=True)
    assert not (await staff_view(ticket_stub, created.id, cast)).HasField("first_response_time")
    answered_at = clock.now
    await reply(ticket_stub, created.id, cast.agent_b)
    clock.advance(HOUR / 12)
    await reply(ticket_stub, created.id, cast.agent_a)
    ticket = await staff_view(ticket_stub, created.id, cast)
    assert due(ticket, "first_response_time") == answered_at


@pytest.mark.parametrize("by", ["status", "reply"])
async def test_resolving_stops_the_clock(
    ticket_stub: TicketStub, sla_stub: SlaStub, cast: Cast, clock: FakeClock, by: str
) -> None:
    category = new_category()
    await make_policy(sla_stub, cast.admin, category=category)
    created = await open_ticket(ticket_stub, cast.customer_a, category=category)
    resolved = await move_to(ticket_stub, created.id, ticket_pb2.TICKET_STATUS_RESOLVED, cast.agent_a)
    assert resolved.sla_paused
    clock.advance(2 * HOUR)
    if by == "status":
        await move_to(ticket_stub, created.id, ticket_pb2.TICKET_STATUS_OPEN, cast.customer_a)
    else:
        await reply(ticket_stub, created.id, cast.customer_a)
    reopened = await staff_view(ticket_stub, created.id, cast)
    assert not reopened.sla_paused
    assert due(reopened, "resolution_due_time") == due(resolved, "resolution_due_time") + 2 * HOUR


async def test_a_pause_in_business_hours_gives_back_only_the_working_time_it_took(
    ticket_stub: TicketStub, sla_stub: SlaStub, cast: Cast, clock: FakeClock
) -> None:
    category = new_category()
    hours = sla_policy_pb2.BusinessHours(
        time_zone="America/Sao_Paulo",
        working_hours=[
            sla_policy_pb2.WorkingHours(day=sla_policy_pb2.Weekday.ValueType(day), start_time="09:00", end_time="18:00")
            for day in range(1, 6)
        ],
    )
    await make_policy(sla_stub, cast.admin, category=category, first_response=4 * HOUR, business_hours=hours)
    clock.set(datetime(2027, 1, 4, 10, 0, tzinfo=SAO_PAULO))  # a Monday
    created = await open_ticket(ticket_stub, cast.customer_a, category=category)
    clock.set(datetime(2027, 1, 4, 11, 0, tzinfo=SAO_PAULO))
    await move_to(ticket_stub, created.id, ticket_pb2.TICKET_STATUS_WAITING_ON_CUSTOMER, cast.agent_a)
    # Waiting over the evening and the night: 8 working hours stopped, the night not counted twice.
    clock.set(datetime(2027, 1, 5, 10, 0, tzinfo=SAO_PAULO))
    await move_to(ticket_stub, created.id, ticket_pb2.TICKET_STATUS_IN_PROGRESS, cast.agent_a)
    ticket = await staff_view(ticket_stub, created.id, cast)
    # One working hour ran before the pause: three are left from Tuesday 10:00.
    assert due(ticket, "first_response_due_time") == datetime(2027, 1, 5, 13, 0, tzinfo=SAO_PAULO)

"""The full ticket lifecycle through the real server: open, talk, assign, move, edit, close, reopen."""

from __future__ import annotations

from collections.abc import Awaitable

import grpc
import grpc.aio
import pytest
from google.protobuf import field_mask_pb2

from helpdesk.v1 import auth_service_pb2_grpc, ticket_event_pb2, ticket_pb2, ticket_service_pb2
from server.app import HelpdeskApp
from server.core.context import Role
from tests.server.tickets.helpers import Cast, TicketStub, error_info, move_to, open_ticket
from tests.support import bad_fields, sign_in_as

S = ticket_pb2
E = ticket_event_pb2


async def test_full_lifecycle(ticket_stub: TicketStub, cast: Cast) -> None:
    customer, agent = cast.customer_a, cast.agent_a
    ticket = await open_ticket(
        ticket_stub, customer, tags=("Billing", "urgent", "billing"), category="billing", subject="  Card declined  "
    )
    assert ticket.status == S.TICKET_STATUS_OPEN
    assert ticket.priority == S.TICKET_PRIORITY_MEDIUM
    assert ticket.number >= 1001
    assert ticket.subject == "Card declined"
    assert list(ticket.tags) == ["billing", "urgent"]
    assert ticket.customer_id == customer.user_id
    assert ticket.customer_display_name == "Test Customer"
    assert ticket.assignee_id == ""
    assert ticket.etag

    assigned = await ticket_stub.AssignTicket(
        ticket_service_pb2.AssignTicketRequest(id=ticket.id, assignee_id="me", etag=ticket.etag, comment="mine"),
        metadata=agent.metadata,
    )
    assert assigned.assignee_id == agent.user_id
    assert assigned.assignee_display_name == "Test agent"
    assert assigned.etag != ticket.etag

    working = await move_to(ticket_stub, ticket.id, S.TICKET_STATUS_IN_PROGRESS, agent)
    reply = await ticket_stub.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="Which card did you use?"),
        metadata=agent.metadata,
    )
    assert reply.author_id == agent.user_id
    waiting = await move_to(ticket_stub, ticket.id, S.TICKET_STATUS_WAITING_ON_CUSTOMER, agent)
    assert waiting.update_time.ToDatetime() >= working.update_time.ToDatetime()

    # A customer reply on a WAITING ticket reopens it.
    await ticket_stub.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="The Visa one."),
        metadata=customer.metadata,
    )
    reopened = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=ticket.id), metadata=customer.metadata
    )
    assert reopened.status == S.TICKET_STATUS_OPEN
    assert reopened.message_count == 2

    resolved = await move_to(ticket_stub, ticket.id, S.TICKET_STATUS_RESOLVED, agent)
    assert resolved.HasField("resolve_time")
    assert not resolved.HasField("close_time")
    # The customer may reopen a resolved ticket, and close their own.
    again = await move_to(ticket_stub, ticket.id, S.TICKET_STATUS_OPEN, customer)
    assert not again.HasField("resolve_time")
    await move_to(ticket_stub, ticket.id, S.TICKET_STATUS_RESOLVED, agent)
    closed = await move_to(ticket_stub, ticket.id, S.TICKET_STATUS_CLOSED, customer)
    assert closed.HasField("close_time")
    assert closed.HasField("resolve_time")  # kept when a resolved ticket is closed

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await ticket_stub.AddTicketMessage(
            ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="one more thing"),
            metadata=customer.metadata,
        )
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(raised.value).reason == "TICKET_CLOSED"

    # Only staff reopen a closed ticket.
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await move_to(ticket_stub, ticket.id, S.TICKET_STATUS_OPEN, customer)
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    reopened_by_agent = await move_to(ticket_stub, ticket.id, S.TICKET_STATUS_OPEN, agent)
    assert not reopened_by_agent.HasField("close_time")

    events = await ticket_stub.ListTicketEvents(
        ticket_service_pb2.ListTicketEventsRequest(ticket_id=ticket.id), metadata=agent.metadata
    )
    types = [event.type for event in events.events]
    assert types[0] == E.TICKET_EVENT_TYPE_CREATED
    assert E.TICKET_EVENT_TYPE_ASSIGNEE_CHANGED in types
    assert types.count(E.TICKET_EVENT_TYPE_MESSAGE_ADDED) == 2
    reopen_by_reply = [
        e
        for e in events.events
        if e.type == E.TICKET_EVENT_TYPE_STATUS_CHANGED and e.old_status == S.TICKET_STATUS_WAITING_ON_CUSTOMER
    ]
    assert reopen_by_reply[0].new_status == S.TICKET_STATUS_OPEN
    assert reopen_by_reply[0].actor_id == customer.user_id
    assignment = next(e for e in events.events if e.type == E.TICKET_EVENT_TYPE_ASSIGNEE_CHANGED)
    assert (assignment.old_assignee_id, assignment.new_assignee_id, assignment.comment) == ("", agent.user_id, "mine")


async def test_update_edits_fields_and_records_events(ticket_stub: TicketStub, cast: Cast) -> None:
    ticket = await open_ticket(ticket_stub, cast.customer_a, tags=("a", "b"))
    updated = await ticket_stub.UpdateTicket(
        ticket_service_pb2.UpdateTicketRequest(
            ticket=ticket_pb2.Ticket(
                id=ticket.id, priority=S.TICKET_PRIORITY_URGENT, tags=["b", "c"], category="hardware", etag=ticket.etag
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["priority", "tags", "category"]),
        ),
        metadata=cast.agent_b.metadata,
    )
    assert updated.priority == S.TICKET_PRIORITY_URGENT
    assert list(updated.tags) == ["b", "c"]
    assert updated.category == "hardware"
    own = await ticket_stub.UpdateTicket(
        ticket_service_pb2.UpdateTicketRequest(
            ticket=ticket_pb2.Ticket(id=ticket.id, subject="New subject", description="More detail"),
            update_mask=field_mask_pb2.FieldMask(paths=["subject", "description"]),
        ),
        metadata=cast.customer_a.metadata,
    )
    assert (own.subject, own.description) == ("New subject", "More detail")
    events = await ticket_stub.ListTicketEvents(
        ticket_service_pb2.ListTicketEventsRequest(ticket_id=ticket.id), metadata=cast.admin.metadata
    )
    by_type = {e.type: e for e in events.events}
    assert by_type[E.TICKET_EVENT_TYPE_PRIORITY_CHANGED].old_priority == S.TICKET_PRIORITY_MEDIUM
    assert by_type[E.TICKET_EVENT_TYPE_PRIORITY_CHANGED].new_priority == S.TICKET_PRIORITY_URGENT
    assert list(by_type[E.TICKET_EVENT_TYPE_TAGS_CHANGED].added_tags) == ["c"]
    assert list(by_type[E.TICKET_EVENT_TYPE_TAGS_CHANGED].removed_tags) == ["a"]
    assert by_type[E.TICKET_EVENT_TYPE_CATEGORY_CHANGED].new_category == "hardware"
    assert list(by_type[E.TICKET_EVENT_TYPE_UPDATED].updated_fields) == ["subject", "description"]
    assert by_type[E.TICKET_EVENT_TYPE_UPDATED].actor_id == cast.customer_a.user_id


@pytest.mark.parametrize(
    ("paths", "code", "reason"),
    [
        (["priority"], grpc.StatusCode.PERMISSION_DENIED, "FIELD_NOT_EDITABLE"),
        (["tags"], grpc.StatusCode.PERMISSION_DENIED, "FIELD_NOT_EDITABLE"),
        (["category"], grpc.StatusCode.PERMISSION_DENIED, "FIELD_NOT_EDITABLE"),
        (["status"], grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
        (["assignee_id"], grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
        (["number"], grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
        # No mask: the fields set in the ticket are the mask (AIP-134), here ones a customer may not edit.
        ([], grpc.StatusCode.PERMISSION_DENIED, "FIELD_NOT_EDITABLE"),
    ],
)
async def test_customer_update_mask_rules(
    ticket_stub: TicketStub, cast: Cast, paths: list[str], code: grpc.StatusCode, reason: str
) -> None:
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await ticket_stub.UpdateTicket(
            ticket_service_pb2.UpdateTicketRequest(
                ticket=ticket_pb2.Ticket(id=ticket.id, priority=S.TICKET_PRIORITY_HIGH, tags=["x"], category="c"),
                update_mask=field_mask_pb2.FieldMask(paths=paths),
            ),
            metadata=cast.customer_a.metadata,
        )
    assert raised.value.code() == code
    assert error_info(raised.value).reason == reason
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        assert bad_fields(raised.value) == {"update_mask"}


async def test_stale_etag_is_aborted_everywhere(ticket_stub: TicketStub, cast: Cast) -> None:
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    await move_to(ticket_stub, ticket.id, S.TICKET_STATUS_IN_PROGRESS, cast.agent_a)
    stale = ticket.etag
    calls: list[Awaitable[object]] = [
        ticket_stub.UpdateTicket(
            ticket_service_pb2.UpdateTicketRequest(
                ticket=ticket_pb2.Ticket(id=ticket.id, subject="x", etag=stale),
                update_mask=field_mask_pb2.FieldMask(paths=["subject"]),
            ),
            metadata=cast.agent_a.metadata,
        ),
        ticket_stub.ChangeTicketStatus(
            ticket_service_pb2.ChangeTicketStatusRequest(id=ticket.id, status=S.TICKET_STATUS_RESOLVED, etag=stale),
            metadata=cast.agent_a.metadata,
        ),
        ticket_stub.AssignTicket(
            ticket_service_pb2.AssignTicketRequest(id=ticket.id, assignee_id="me", etag=stale),
            metadata=cast.agent_a.metadata,
        ),
        ticket_stub.DeleteTicket(
            ticket_service_pb2.DeleteTicketRequest(id=ticket.id, etag=stale), metadata=cast.admin.metadata
        ),
    ]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await call
        assert raised.value.code() == grpc.StatusCode.ABORTED
        assert error_info(raised.value).reason == "ETAG_MISMATCH"
    current = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=ticket.id), metadata=cast.agent_a.metadata
    )
    assert current.subject == ticket.subject
    assert current.status == S.TICKET_STATUS_IN_PROGRESS


async def test_assign_refuses_customers_and_unassigns(ticket_stub: TicketStub, cast: Cast) -> None:
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await ticket_stub.AssignTicket(
            ticket_service_pb2.AssignTicketRequest(id=ticket.id, assignee_id=cast.customer_b.user_id),
            metadata=cast.agent_a.metadata,
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(raised.value).reason == "ASSIGNEE_NOT_AGENT"
    assigned = await ticket_stub.AssignTicket(
        ticket_service_pb2.AssignTicketRequest(id=ticket.id, assignee_id=cast.agent_b.user_id),
        metadata=cast.agent_a.metadata,
    )
    assert assigned.assignee_id == cast.agent_b.user_id
    unassigned = await ticket_stub.AssignTicket(
        ticket_service_pb2.AssignTicketRequest(id=ticket.id, assignee_id=""), metadata=cast.agent_a.metadata
    )
    assert unassigned.assignee_id == ""
    assert unassigned.status == S.TICKET_STATUS_OPEN


async def test_staff_open_tickets_for_customers_only(ticket_stub: TicketStub, cast: Cast) -> None:
    created = await ticket_stub.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(
                subject="Phoned in", description="Customer called", customer_id=cast.customer_b.user_id
            )
        ),
        metadata=cast.agent_a.metadata,
    )
    assert created.customer_id == cast.customer_b.user_id
    for customer_id in ("", cast.agent_b.user_id, "not-a-uuid"):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await ticket_stub.CreateTicket(
                ticket_service_pb2.CreateTicketRequest(
                    ticket=ticket_pb2.Ticket(subject="s", description="d", customer_id=customer_id)
                ),
                metadata=cast.agent_a.metadata,
            )
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert bad_fields(raised.value) == {"ticket.customer_id"}


async def test_bad_input_names_every_field(ticket_stub: TicketStub, cast: Cast) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await ticket_stub.CreateTicket(
            ticket_service_pb2.CreateTicketRequest(
                ticket=ticket_pb2.Ticket(subject="", description=" ", tags=["no spaces"], category="x" * 65),
                request_id="nope",
            ),
            metadata=cast.customer_a.metadata,
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(raised.value) == {
        "ticket.subject",
        "ticket.description",
        "ticket.tags",
        "ticket.category",
        "request_id",
    }


async def test_assigning_a_deactivated_agent_is_a_failed_precondition(
    ticket_stub: TicketStub, cast: Cast, app: HelpdeskApp, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    leaving = await sign_in_as(app, auth_stub, Role.AGENT)
    await app.users.update_user(user_id=leaving.user_id, active=False, update_mask_paths=["active"])
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await ticket_stub.AssignTicket(
            ticket_service_pb2.AssignTicketRequest(id=ticket.id, assignee_id=leaving.user_id),
            metadata=cast.agent_a.metadata,
        )
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(raised.value).reason == "ASSIGNEE_INACTIVE"


async def test_values_at_the_limits_are_taken_and_one_more_is_named(ticket_stub: TicketStub, cast: Cast) -> None:
    # The server's checks name the field; the columns' types (migration 0024) take every value they let through.
    subject, description, category, tags = "s" * 200, "d" * 20_000, "c" * 64, sorted(f"t{i:02}" for i in range(20))
    created = await ticket_stub.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(subject=subject, description=description, category=category, tags=tags)
        ),
        metadata=cast.customer_a.metadata,
    )
    assert (created.subject, created.description, created.category, list(created.tags)) == (
        subject,
        description,
        category,
        tags,
    )
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await ticket_stub.CreateTicket(
            ticket_service_pb2.CreateTicketRequest(
                ticket=ticket_pb2.Ticket(
                    subject=subject + "s", description=description + "d", category=category + "c", tags=[*tags, "t20"]
                )
            ),
            metadata=cast.customer_a.metadata,
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(raised.value) == {"ticket.subject", "ticket.description", "ticket.category", "ticket.tags"}

    edited = ticket_pb2.Ticket(id=created.id, subject="S" * 200, description="D" * 20_000, category="C" * 64)
    updated = await ticket_stub.UpdateTicket(
        ticket_service_pb2.UpdateTicketRequest(
            ticket=edited, update_mask=field_mask_pb2.FieldMask(paths=["subject", "description", "category"])
        ),
        metadata=cast.agent_a.metadata,
    )
    assert (updated.subject, updated.description, updated.category) == (
        edited.subject,
        edited.description,
        edited.category,
    )
    for name in ("subject", "description", "category"):
        longer = ticket_pb2.Ticket(id=created.id)
        setattr(longer, name, getattr(edited, name) + "x")
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await ticket_stub.UpdateTicket(
                ticket_service_pb2.UpdateTicketRequest(
                    ticket=longer, update_mask=field_mask_pb2.FieldMask(paths=[name])
                ),
                metadata=cast.agent_a.metadata,
            )
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert bad_fields(raised.value) == {f"ticket.{name}"}

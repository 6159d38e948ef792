"""WatchTickets on one server: what each watcher sees, in commit order, once; cursors; limits; session end."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import grpc.aio
import pytest
from google.protobuf import field_mask_pb2

from helpdesk.v1 import (
    auth_service_pb2_grpc,
    ticket_pb2,
    ticket_service_pb2,
    ticket_service_pb2_grpc,
    user_pb2,
    user_service_pb2,
    user_service_pb2_grpc,
)
from server.app import HelpdeskApp
from server.core.context import Role
from server.settings import Settings
from server.tickets.watch_feed import prune_changes
from storage.db import Database
from tests.server.tickets.helpers import Cast, TicketStub, error_info, open_ticket
from tests.server.tickets.watch_support import (
    CREATED,
    DELETED,
    MESSAGE_ADDED,
    UPDATED,
    Watcher,
    cursors_increase,
    kinds,
)
from tests.support import SignedIn, register, sign_in_as

Request = ticket_service_pb2.WatchTicketsRequest


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """Heartbeats every second and a small per-user stream limit, to observe both in a test."""
    return settings.replace(
        chat_heartbeat_seconds=1.0,
        chat_fallback_poll_seconds=0.3,
        ticket_watch_max_streams_per_user=3,
        shutdown_grace_seconds=1.0,
    )


async def _staff_ticket(stub: TicketStub, staff: SignedIn, customer: SignedIn, subject: str) -> ticket_pb2.Ticket:
    return await stub.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(subject=subject, description="Opened by phone.", customer_id=customer.user_id)
        ),
        metadata=staff.metadata,
    )


async def _update(stub: TicketStub, actor: SignedIn, ticket: ticket_pb2.Ticket, *paths: str) -> ticket_pb2.Ticket:
    return await stub.UpdateTicket(
        ticket_service_pb2.UpdateTicketRequest(ticket=ticket, update_mask=field_mask_pb2.FieldMask(paths=list(paths))),
        metadata=actor.metadata,
    )


async def _message(stub: TicketStub, actor: SignedIn, ticket_id: str, body: str, *, internal: bool = False) -> None:
    await stub.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket_id, body=body, internal=internal),
        metadata=actor.metadata,
    )


async def test_each_watcher_gets_exactly_what_it_may_see_in_commit_order_once(
    ticket_stub: TicketStub, cast: Cast
) -> None:
    everything = Watcher(ticket_stub, cast.agent_a, Request())
    open_only = Watcher(ticket_stub, cast.agent_b, Request(statuses=[ticket_pb2.TICKET_STATUS_OPEN]))
    customer = Watcher(ticket_stub, cast.customer_a, Request())
    for watcher in (everything, open_only, customer):
        await watcher.caught_up()
    admin, stub = cast.admin, ticket_stub

    ticket = await _staff_ticket(stub, admin, cast.customer_a, "Cannot log in")  # 1 created
    ticket.subject = "Cannot log in since Monday"
    ticket = await _update(stub, admin, ticket, "subject")  # 2 updated
    ticket.priority = ticket_pb2.TICKET_PRIORITY_URGENT
    ticket.tags[:] = ["login", "vip"]
    ticket = await _update(stub, admin, ticket, "priority", "tags")  # 3 updated
    ticket = await stub.AssignTicket(
        ticket_service_pb2.AssignTicketRequest(id=ticket.id, assignee_id=cast.agent_b.user_id),
        metadata=admin.metadata,
    )  # 4 updated
    await _message(stub, admin, ticket.id, "We are looking into it.")  # 5 message
    await _message(stub, admin, ticket.id, "Secret: the customer's SSO is misconfigured.", internal=True)  # 6 note
    await stub.ChangeTicketStatus(
        ticket_service_pb2.ChangeTicketStatusRequest(id=ticket.id, status=ticket_pb2.TICKET_STATUS_IN_PROGRESS),
        metadata=admin.metadata,
    )  # 7 leaves the OPEN view
    other = await _staff_ticket(stub, admin, cast.customer_b, "Someone else's problem")  # 8 not customer_a's
    await stub.DeleteTicket(ticket_service_pb2.DeleteTicketRequest(id=ticket.id), metadata=admin.metadata)  # 9
    last = await _staff_ticket(stub, admin, cast.customer_a, "Sentinel")  # 10: seen by all three

    # The sentinel commits last: once a watcher has it, it has everything it will ever get.
    staff_view = await everything.wait_for(10)
    open_view = await open_only.wait_for(9)
    customer_view = await customer.wait_for(8)
    await asyncio.sleep(0.3)
    for watcher in (everything, open_only, customer):
        assert watcher.changes[-1].ticket_id == last.id
        assert cursors_increase(watcher.changes)
        await watcher.close()

    assert kinds(staff_view) == [
        CREATED,
        UPDATED,
        UPDATED,
        UPDATED,
        MESSAGE_ADDED,
        MESSAGE_ADDED,
        UPDATED,
        CREATED,
        DELETED,
        CREATED,
    ]
    assert [c.ticket_id for c in staff_view[:7]] == [ticket.id] * 7
    assert staff_view[5].message.internal
    assert staff_view[5].ticket.message_count == 2
    assert staff_view[7].ticket_id == other.id
    assert staff_view[8].ticket_id == ticket.id
    assert not staff_view[8].HasField("ticket")
    assert all(c.matches_filter for i, c in enumerate(staff_view) if i != 8)

    # The OPEN view: the status change takes the ticket out (matches_filter false), and its
    # deletion, once it was no longer in the view, is not sent at all.
    assert kinds(open_view) == [
        CREATED,
        UPDATED,
        UPDATED,
        UPDATED,
        MESSAGE_ADDED,
        MESSAGE_ADDED,
        UPDATED,
        CREATED,
        CREATED,
    ]
    assert [c.matches_filter for c in open_view] == [True] * 6 + [False, True, True]
    assert open_view[6].ticket.status == ticket_pb2.TICKET_STATUS_IN_PROGRESS
    assert open_view[7].ticket_id == other.id

    # The customer: their own tickets only, never the internal note, never a count including it.
    assert kinds(customer_view) == [CREATED, UPDATED, UPDATED, UPDATED, MESSAGE_ADDED, UPDATED, DELETED, CREATED]
    assert all(c.ticket_id in (ticket.id, last.id) for c in customer_view)
    assert customer_view[4].message.body == "We are looking into it."
    assert customer_view[5].ticket.message_count == 1
    for change in customer_view:
        assert not change.message.internal
        assert "Secret" not in str(change)
    assert staff_view[1].ticket.subject == "Cannot log in since Monday"


async def test_a_customer_stream_never_carries_an_internal_note(ticket_stub: TicketStub, cast: Cast) -> None:
    customer_watch = Watcher(ticket_stub, cast.customer_a, Request())
    agent_watch = Watcher(ticket_stub, cast.agent_a, Request(customer_id=cast.customer_a.user_id))
    await customer_watch.caught_up()
    await agent_watch.caught_up()
    ticket = await open_ticket(ticket_stub, cast.customer_a, subject="Notes everywhere")
    await _message(ticket_stub, cast.agent_a, ticket.id, "NOTE-1 before anything", internal=True)
    ticket = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=ticket.id), metadata=cast.agent_a.metadata
    )
    ticket.tags[:] = ["billing"]
    await _update(ticket_stub, cast.agent_a, ticket, "tags")
    await _message(ticket_stub, cast.agent_a, ticket.id, "NOTE-2 after the tags", internal=True)
    await _message(ticket_stub, cast.customer_a, ticket.id, "Any news?")
    await _message(ticket_stub, cast.agent_a, ticket.id, "NOTE-3 after the reply", internal=True)
    await ticket_stub.ChangeTicketStatus(
        ticket_service_pb2.ChangeTicketStatusRequest(id=ticket.id, status=ticket_pb2.TICKET_STATUS_RESOLVED),
        metadata=cast.agent_a.metadata,
    )
    await _message(ticket_stub, cast.customer_a, ticket.id, "Still broken")  # reopens
    await _message(ticket_stub, cast.agent_a, ticket.id, "NOTE-4 after the reopen", internal=True)
    await ticket_stub.DeleteTicket(ticket_service_pb2.DeleteTicketRequest(id=ticket.id), metadata=cast.admin.metadata)

    staff = await agent_watch.wait_for(10)
    seen = await customer_watch.wait_for(6)
    await asyncio.sleep(0.3)
    assert kinds(seen) == [CREATED, UPDATED, MESSAGE_ADDED, UPDATED, MESSAGE_ADDED, DELETED]
    assert len(staff) == 10
    assert sum(1 for c in staff if c.message.internal) == 4
    assert seen[4].ticket.status == ticket_pb2.TICKET_STATUS_OPEN  # the reply reopened it
    for change in seen:
        assert "NOTE-" not in str(change)
        assert not change.message.internal
    assert [c.ticket.message_count for c in seen[:5]] == [0, 0, 1, 1, 2]
    await customer_watch.close()
    await agent_watch.close()


async def test_resume_replays_exactly_the_changes_missed(ticket_stub: TicketStub, cast: Cast) -> None:
    first = Watcher(ticket_stub, cast.agent_a, Request(customer_id=cast.customer_b.user_id))
    cursor = await first.caught_up()
    await first.close()
    ticket = await open_ticket(ticket_stub, cast.customer_b, subject="Fifty changes")
    for i in range(49):
        await _message(ticket_stub, cast.agent_a, ticket.id, f"reply {i}")
    resumed = Watcher(ticket_stub, cast.agent_a, Request(customer_id=cast.customer_b.user_id, after_cursor=cursor))
    changes = await resumed.wait_for(50)
    caught_up = await resumed.caught_up()
    await asyncio.sleep(0.3)
    assert len(resumed.changes) == 50
    assert kinds(changes) == [CREATED] + [MESSAGE_ADDED] * 49
    assert [c.message.body for c in changes[1:]] == [f"reply {i}" for i in range(49)]
    assert cursors_increase(changes)
    assert caught_up == changes[-1].cursor
    # Resuming from the last cursor replays nothing.
    await resumed.close()
    again = Watcher(ticket_stub, cast.agent_a, Request(customer_id=cast.customer_b.user_id, after_cursor=caught_up))
    assert await again.caught_up() == caught_up
    assert again.changes == []
    await again.close()


async def test_heartbeats_carry_the_cursor_reached(ticket_stub: TicketStub, cast: Cast) -> None:
    watcher = Watcher(ticket_stub, cast.customer_b, Request(ticket_id="00000000-0000-4000-8000-000000000000"))
    await watcher.caught_up()
    # Changes the watcher may not see still move its cursor on.
    await open_ticket(ticket_stub, cast.customer_a, subject="Not yours")
    start = int(watcher.markers[0].cursor)
    await watcher.heartbeat_beyond(start, within=5)
    assert watcher.changes == []
    await watcher.close()


async def test_bad_unknown_and_expired_cursors_are_refused(
    ticket_stub: TicketStub, cast: Cast, settings: Settings
) -> None:
    bad = Watcher(ticket_stub, cast.agent_a, Request(after_cursor="not-a-cursor"))
    error = await bad.ended()
    assert error is not None
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT

    unknown = Watcher(ticket_stub, cast.agent_a, Request(after_cursor="999999999"))
    error = await unknown.ended()
    assert error is not None
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(error).reason == "CURSOR_UNKNOWN"

    watcher = Watcher(ticket_stub, cast.agent_a, Request())
    old_cursor = await watcher.caught_up()
    await watcher.close()
    await open_ticket(ticket_stub, cast.customer_a, subject="Soon pruned")
    await open_ticket(ticket_stub, cast.customer_a, subject="Also pruned")
    database = Database.create(url=settings.database_url, pool_size=1)
    try:
        # Within the retention window nothing goes; past it, the old changes do.
        window = timedelta(seconds=settings.ticket_change_retention_seconds)
        kept = await prune_changes(database, older_than=datetime.now(UTC) - window)
        assert kept < int(old_cursor) + 1
        pruned = await prune_changes(database, older_than=datetime.now(UTC) + timedelta(seconds=1))
    finally:
        await database.dispose()
    assert pruned > int(old_cursor)
    expired = Watcher(ticket_stub, cast.agent_a, Request(after_cursor=old_cursor))
    error = await expired.ended()
    assert error is not None
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(error).reason == "CURSOR_EXPIRED"
    # A cursor at the pruning horizon still resumes, with nothing lost.
    fresh = Watcher(ticket_stub, cast.agent_a, Request(after_cursor=str(pruned)))
    assert await fresh.caught_up() == str(pruned)
    await fresh.close()


async def test_bad_filters_name_their_field(ticket_stub: TicketStub, cast: Cast) -> None:
    for request, field in (
        (Request(assignee_id="nobody-like-this"), "assignee_id"),
        (Request(ticket_id="42"), "ticket_id"),
        (Request(statuses=[ticket_pb2.TICKET_STATUS_UNSPECIFIED]), "statuses"),
    ):
        watcher = Watcher(ticket_stub, cast.agent_a, request)
        error = await watcher.ended()
        assert error is not None
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert field in str(error.details()) or field in str(error.trailing_metadata())


async def test_too_many_streams_of_one_user_are_refused(ticket_stub: TicketStub, cast: Cast) -> None:
    watchers = [Watcher(ticket_stub, cast.customer_b, Request()) for _ in range(3)]
    for watcher in watchers:
        await watcher.caught_up()
    extra = Watcher(ticket_stub, cast.customer_b, Request())
    error = await extra.ended()
    assert error is not None
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_info(error).reason == "TOO_MANY_STREAMS"
    await watchers[0].close()
    await asyncio.sleep(0.2)
    replacement = Watcher(ticket_stub, cast.customer_b, Request())
    await replacement.caught_up()
    for watcher in [*watchers[1:], replacement]:
        await watcher.close()


async def test_a_deactivated_users_stream_ends_at_once(
    app: HelpdeskApp,
    ticket_stub: TicketStub,
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub,
    cast: Cast,
    user_stub: user_service_pb2_grpc.UserServiceAsyncStub,
) -> None:
    agent = await sign_in_as(app, auth_stub, Role.AGENT)
    customer = await register(auth_stub)
    watchers = [Watcher(ticket_stub, agent, Request()), Watcher(ticket_stub, customer, Request())]
    bystander = Watcher(ticket_stub, cast.agent_b, Request())
    for watcher in [*watchers, bystander]:
        await watcher.caught_up()
    for user in (agent, customer):
        update = user_service_pb2.UpdateUserRequest(user=user_pb2.User(id=user.user_id, active=False))
        update.update_mask.paths.append("active")
        await user_stub.UpdateUser(update, metadata=cast.admin.metadata)
    for watcher in watchers:
        # Well before a heartbeat's session check would notice (heartbeats are 1 s apart here).
        error = await watcher.ended(within=0.9)
        assert error is not None
        assert error.code() is grpc.StatusCode.UNAUTHENTICATED
    await asyncio.sleep(0.2)
    assert bystander.error is None
    await bystander.close()


async def test_shutdown_ends_streams_resumably(settings: Settings, cast: Cast) -> None:
    replica = await HelpdeskApp.create(settings.replace(grpc_port=0))
    await replica.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{replica.port}") as channel:
        watcher = Watcher(ticket_service_pb2_grpc.TicketServiceStub(channel), cast.agent_a, Request())
        await watcher.caught_up()
        await replica.stop(grace=0.5)
        error = await watcher.ended()
    assert error is not None
    assert error.code() is grpc.StatusCode.UNAVAILABLE


async def test_deliveries_and_feed_reads_are_counted(app: HelpdeskApp, ticket_stub: TicketStub, cast: Cast) -> None:
    registry = app.resources.metrics.registry

    def sample(name: str, labels: dict[str, str] | None = None) -> float:
        return registry.get_sample_value(name, labels or {}) or 0.0

    created_before = sample("helpdesk_ticket_watch_deliveries_total", {"kind": "created"})
    read_before = sample("helpdesk_ticket_feed_changes_total")
    watchers = [Watcher(ticket_stub, cast.agent_a, Request()), Watcher(ticket_stub, cast.agent_b, Request())]
    for watcher in watchers:
        await watcher.caught_up()
    await open_ticket(ticket_stub, cast.customer_a, subject="Counted")
    for watcher in watchers:
        await watcher.wait_for(1)
        await watcher.close()
    # Two streams got it; the log was read once for both.
    assert sample("helpdesk_ticket_watch_deliveries_total", {"kind": "created"}) == created_before + 2
    assert sample("helpdesk_ticket_feed_changes_total") == read_before + 1

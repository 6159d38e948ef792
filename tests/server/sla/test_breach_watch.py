"""A live view of breached tickets (WatchTickets `sla_breached`): entered on the breach, left on resolution.

The breach job runs on a clock the tests move; the view is watched live, replayed from a cursor,
and watched on two replicas whose jobs race, and each answer is the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import grpc.aio
import pytest
from google.protobuf import field_mask_pb2

from helpdesk.v1 import (
    privacy_service_pb2,
    privacy_service_pb2_grpc,
    retention_policy_pb2,
    ticket_change_pb2,
    ticket_pb2,
    ticket_service_pb2,
    ticket_service_pb2_grpc,
)
from server.app import HelpdeskApp
from server.privacy.retention import RetentionJob
from server.settings import Settings
from tests.server.sla.sla_support import HOUR, FakeClock, SlaStub, make_policy, new_category
from tests.server.tickets.helpers import Cast, TicketStub, move_to, open_ticket
from tests.server.tickets.watch_support import DELETED, MESSAGE_ADDED, UPDATED, Watcher
from tests.support import SignedIn

Request = ticket_service_pb2.WatchTicketsRequest
# The statuses of an agent's "Breached" view: still to be worked on.
UNRESOLVED = (
    ticket_pb2.TICKET_STATUS_OPEN,
    ticket_pb2.TICKET_STATUS_IN_PROGRESS,
    ticket_pb2.TICKET_STATUS_WAITING_ON_CUSTOMER,
)


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """Heartbeats every second: a heartbeat past a position proves nothing more is coming up to it."""
    return settings.replace(chat_heartbeat_seconds=1.0)


def seen(changes: list[ticket_change_pb2.TicketChange]) -> list[tuple[int, str, bool, str]]:
    """What a list view acts on: kind, ticket, whether it is in the view now, and the cursor."""
    return [(c.kind, c.ticket_id, c.matches_filter, c.cursor) for c in changes]


async def quiet_through(watcher: Watcher, cursor: str) -> None:
    """Waits for a heartbeat at or past `cursor`: the stream has sent all it will of the changes up to there."""
    await watcher.heartbeat_beyond(int(cursor) - 1)


async def breach_job(*apps: HelpdeskApp) -> int:
    """Runs the breach job of each app at once; returns the breaches recorded in all."""
    jobs = []
    for app in apps:
        assert app.sla is not None
        jobs.append(app.sla.breaches.run_once())
    results = await asyncio.gather(*jobs)
    return sum(count for result in results for kind, count in result.events.items() if kind.endswith("breached"))


async def test_a_breached_view_gains_the_ticket_when_it_breaches_and_loses_it_when_resolved(
    app: HelpdeskApp, ticket_stub: TicketStub, sla_stub: SlaStub, cast: Cast, clock: FakeClock
) -> None:
    category = new_category()
    await make_policy(sla_stub, cast.admin, category=category, first_response=HOUR, warning=HOUR / 4)
    view = Request(category=category, sla_breached=True, statuses=UNRESOLVED)
    watchers = {
        "unresolved": Watcher(ticket_stub, cast.agent_a, view),
        "any status": Watcher(ticket_stub, cast.agent_b, Request(category=category, sla_breached=True)),
        # The owner asks too: SLA state is not theirs to see, not even through what their stream carries.
        "customer": Watcher(ticket_stub, cast.customer_a, Request(sla_breached=True)),
    }
    start = {name: await watcher.caught_up() for name, watcher in watchers.items()}
    unresolved, any_status, customer = watchers.values()
    try:
        late = await open_ticket(ticket_stub, cast.customer_a, category=category)
        # No policy for its priority: it never breaches, whatever happens to it.
        exempt = await open_ticket(
            ticket_stub, cast.customer_a, category=category, priority=ticket_pb2.TICKET_PRIORITY_LOW
        )
        await ticket_stub.AddTicketMessage(
            ticket_service_pb2.AddTicketMessageRequest(ticket_id=exempt.id, body="Looking"),
            metadata=cast.agent_a.metadata,
        )

        clock.advance(HOUR - HOUR / 8)  # within the warning window: at risk, not breached
        assert await breach_job(app) == 0
        clock.advance(HOUR / 4)
        assert await breach_job(app) == 1
        (entered,) = await unresolved.wait_for(1)
        assert (entered.kind, entered.ticket_id, entered.matches_filter) == (UPDATED, late.id, True)
        assert entered.ticket.first_response_breached
        listed = await ticket_stub.ListTickets(
            ticket_service_pb2.ListTicketsRequest(category=category, sla_breached=True, statuses=UNRESOLVED),
            metadata=cast.agent_a.metadata,
        )
        assert [t.id for t in listed.tickets] == [late.id]

        # In the view, its changes follow it; a new priority keeps the breach on record.
        await ticket_stub.AddTicketMessage(
            ticket_service_pb2.AddTicketMessageRequest(ticket_id=late.id, body="Sorry for the wait."),
            metadata=cast.agent_a.metadata,
        )
        await ticket_stub.UpdateTicket(
            ticket_service_pb2.UpdateTicketRequest(
                ticket=ticket_pb2.Ticket(id=late.id, priority=ticket_pb2.TICKET_PRIORITY_HIGH),
                update_mask=field_mask_pb2.FieldMask(paths=["priority"]),
            ),
            metadata=cast.agent_a.metadata,
        )
        await move_to(ticket_stub, late.id, ticket_pb2.TICKET_STATUS_RESOLVED, cast.agent_a)
        changes = await unresolved.wait_for(4)
        assert [(c.kind, c.ticket_id, c.matches_filter) for c in changes] == [
            (UPDATED, late.id, True),
            (MESSAGE_ADDED, late.id, True),
            (UPDATED, late.id, True),  # other targets now, the breach still on record
            (UPDATED, late.id, False),  # resolved: it leaves the unresolved view
        ]
        assert changes[-1].ticket.status == ticket_pb2.TICKET_STATUS_RESOLVED
        assert changes[-1].ticket.first_response_breached
        # Without a status filter it stays, as ListTickets' breached filter keeps it.
        assert [(c.kind, c.matches_filter) for c in await any_status.wait_for(4)] == [
            (UPDATED, True),
            (MESSAGE_ADDED, True),
            (UPDATED, True),
            (UPDATED, True),
        ]
        last = changes[-1].cursor
        for watcher in watchers.values():
            await quiet_through(watcher, last)
        # Nothing of the exempt ticket (never breached) and nothing at all for the customer.
        assert len(unresolved.changes) == len(any_status.changes) == 4
        assert customer.changes == []

        # Replay from the cursor each stream started at answers exactly what the live stream did.
        for name, request, user in (
            ("unresolved", view, cast.agent_a),
            ("any status", Request(category=category, sla_breached=True), cast.agent_b),
            ("customer", Request(sla_breached=True), cast.customer_a),
        ):
            request.after_cursor = start[name]
            replay = Watcher(ticket_stub, user, request)
            try:
                await replay.caught_up()
                assert seen(replay.changes) == seen(watchers[name].changes), name
            finally:
                await replay.close()
    finally:
        for watcher in watchers.values():
            await watcher.close()


async def test_a_reopened_breached_ticket_comes_back_into_the_view(
    app: HelpdeskApp, ticket_stub: TicketStub, sla_stub: SlaStub, cast: Cast, clock: FakeClock
) -> None:
    category = new_category()
    await make_policy(sla_stub, cast.admin, category=category, first_response=HOUR)
    ticket = await open_ticket(ticket_stub, cast.customer_a, category=category)
    clock.advance(HOUR + HOUR / 60)
    await breach_job(app)
    await move_to(ticket_stub, ticket.id, ticket_pb2.TICKET_STATUS_RESOLVED, cast.agent_a)
    watcher = Watcher(ticket_stub, cast.agent_a, Request(category=category, sla_breached=True, statuses=UNRESOLVED))
    try:
        await watcher.caught_up()
        # The customer writes again: the ticket reopens, breach and all.
        await ticket_stub.AddTicketMessage(
            ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="Still broken."),
            metadata=cast.customer_a.metadata,
        )
        (back,) = await watcher.wait_for(1)
        assert (back.kind, back.ticket_id, back.matches_filter) == (MESSAGE_ADDED, ticket.id, True)
        assert back.ticket.status == ticket_pb2.TICKET_STATUS_OPEN
    finally:
        await watcher.close()


@pytest.fixture
async def replica(sla_settings: Settings, clock: FakeClock) -> AsyncIterator[HelpdeskApp]:
    """A second server on the same database, Redis and SLA clock."""
    server = await HelpdeskApp.create(sla_settings, clock=clock)
    await server.start()
    yield server
    await server.stop(grace=1.0)


async def _watch_on(server: HelpdeskApp, user: SignedIn, request: Request) -> tuple[grpc.aio.Channel, Watcher]:
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{server.port}")
    return channel, Watcher(ticket_service_pb2_grpc.TicketServiceStub(channel), user, request)


async def test_two_replicas_racing_put_each_breached_ticket_in_the_view_once(
    app: HelpdeskApp,
    replica: HelpdeskApp,
    ticket_stub: TicketStub,
    sla_stub: SlaStub,
    cast: Cast,
    clock: FakeClock,
) -> None:
    category = new_category()
    await make_policy(sla_stub, cast.admin, category=category, first_response=HOUR)
    tickets = {(await open_ticket(ticket_stub, cast.customer_a, category=category)).id for _ in range(8)}
    view = Request(category=category, sla_breached=True)
    watchers = [await _watch_on(server, cast.agent_a, view) for server in (app, replica)]
    try:
        for _, watcher in watchers:
            await watcher.caught_up()
        clock.advance(HOUR + HOUR / 60)
        # Both replicas' jobs at once, three times over.
        assert await breach_job(app, replica, app, replica, app, replica) == len(tickets)
        for _, watcher in watchers:
            changes = await watcher.wait_for(len(tickets))
            await quiet_through(watcher, max((c.cursor for c in changes), key=int))
        (_, on_app), (_, on_replica) = watchers
        # Each ticket entered once, on either replica, with the same cursors.
        assert sorted(c.ticket_id for c in on_app.changes) == sorted(tickets)
        assert all(c.kind == UPDATED and c.matches_filter for c in on_app.changes)
        assert seen(on_app.changes) == seen(on_replica.changes)
    finally:
        for channel, watcher in watchers:
            await watcher.close()
            await channel.close()


async def test_a_breached_ticket_deleted_by_retention_leaves_the_view(
    app: HelpdeskApp,
    channel: grpc.aio.Channel,
    ticket_stub: TicketStub,
    sla_stub: SlaStub,
    cast: Cast,
    clock: FakeClock,
) -> None:
    category = new_category()
    await make_policy(sla_stub, cast.admin, category=category, first_response=HOUR)
    ticket = await open_ticket(ticket_stub, cast.customer_a, category=category)
    clock.advance(HOUR + HOUR / 60)
    await breach_job(app)
    await move_to(ticket_stub, ticket.id, ticket_pb2.TICKET_STATUS_CLOSED, cast.agent_a)
    watcher = Watcher(ticket_stub, cast.agent_a, Request(category=category, sla_breached=True))
    privacy = privacy_service_pb2_grpc.PrivacyServiceStub(channel)

    async def keep_closed_tickets(days: int) -> None:
        await privacy.UpdateRetentionPolicy(
            privacy_service_pb2.UpdateRetentionPolicyRequest(
                retention_policy=retention_policy_pb2.RetentionPolicy(closed_ticket_days=days),
                update_mask=field_mask_pb2.FieldMask(paths=["closed_ticket_days"]),
            ),
            metadata=cast.admin.metadata,
        )

    try:
        await watcher.caught_up()
        await keep_closed_tickets(1)
        assert app.tickets is not None
        # Two days on, the retention job deletes it: its deletion is logged as a breached ticket's.
        job = RetentionJob(
            database=app.resources.database,
            changes=app.tickets.live.feed,
            clock=lambda: datetime.now(UTC) + timedelta(days=2),
        )
        done = await job.run_once()
        assert done is not None
        assert done.deleted_tickets >= 1
        (gone,) = await watcher.wait_for(1)
        assert (gone.kind, gone.ticket_id, gone.matches_filter) == (DELETED, ticket.id, False)
    finally:
        await keep_closed_tickets(0)
        await watcher.close()

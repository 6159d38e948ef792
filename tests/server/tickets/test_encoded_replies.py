"""GetTicket and ListTickets answered from kept serialized tickets: the same bytes as building each reply anew.

Every comparison reads the reply as raw bytes over gRPC (the server assembles them from kept
entries once they are warm) and then builds the reply the way the servicer always did, from the
rows read fresh through the desk: both audiences, after each kind of change, including the ones
that leave the ticket's version alone (internal notes, SLA breaches, renamed users).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import grpc.aio
import pytest
from google.protobuf import field_mask_pb2

from helpdesk.v1 import (
    auth_service_pb2_grpc,
    sla_service_pb2,
    sla_service_pb2_grpc,
    ticket_pb2,
    ticket_service_pb2,
    user_pb2,
    user_service_pb2,
    user_service_pb2_grpc,
)
from server.app import HelpdeskApp
from server.core.context import Principal, Role
from server.settings import Settings
from server.tickets.convert import view_fields, view_to_proto
from server.tickets.encoded import KEYED_OR_VERSIONED, EncodedTickets
from server.tickets.listing import ListTicketsQuery
from storage.repositories.ticket_records import TicketView
from tests.server.sla.sla_support import HOUR, FakeClock, make_policy, new_category
from tests.server.tickets.helpers import Cast, TicketStub, make_cast, move_to, open_ticket
from tests.support import SignedIn

_SERVICE = "/helpdesk.v1.TicketService"


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    """The module's SLA clock."""
    return FakeClock()


@pytest.fixture(scope="module")
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[HelpdeskApp]:
    """A real server whose SLA bookkeeping reads `clock`; the breach job runs only when a test runs it."""
    server = await HelpdeskApp.create(settings.replace(sla_check_interval_seconds=3600.0), clock=clock)
    await server.start()
    yield server
    await server.stop(grace=1.0)


@pytest.fixture(scope="module")
async def cast(app: HelpdeskApp, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub) -> Cast:
    """Two customers, two agents and an administrator, signed in through the API."""
    return await make_cast(app, auth_stub)


@pytest.fixture(scope="module")
def sla_stub(channel: grpc.aio.Channel) -> sla_service_pb2_grpc.SlaServiceAsyncStub:
    """SlaService client."""
    return sla_service_pb2_grpc.SlaServiceStub(channel)


def _principal(who: SignedIn, role: Role) -> Principal:
    return Principal(user_id=uuid.UUID(who.user_id), role=role, session_id=uuid.uuid4())


class Replies:
    """Both ways of answering, for one caller: the server's bytes, and the reply built from fresh rows."""

    def __init__(self, app: HelpdeskApp, channel: grpc.aio.Channel, who: SignedIn, role: Role) -> None:
        assert app.tickets is not None
        self._desk = app.tickets.desk
        self._who = who
        self._principal = _principal(who, role)
        # No response deserializer: the call returns the reply's bytes as the server sent them.
        self._get: grpc.aio.UnaryUnaryMultiCallable[ticket_service_pb2.GetTicketRequest, bytes] = channel.unary_unary(
            f"{_SERVICE}/GetTicket", request_serializer=ticket_service_pb2.GetTicketRequest.SerializeToString
        )
        self._list: grpc.aio.UnaryUnaryMultiCallable[ticket_service_pb2.ListTicketsRequest, bytes] = (
            channel.unary_unary(
                f"{_SERVICE}/ListTickets", request_serializer=ticket_service_pb2.ListTicketsRequest.SerializeToString
            )
        )

    async def served_ticket(self, ticket_id: str) -> bytes:
        """GetTicket's reply bytes."""
        reply: bytes = await self._get(ticket_service_pb2.GetTicketRequest(id=ticket_id), metadata=self._who.metadata)
        return reply

    async def built_ticket(self, ticket_id: str) -> bytes:
        """GetTicket's reply as the servicer used to build it."""
        view = await self._desk.get_ticket(principal=self._principal, ticket_id=ticket_id)
        return view_to_proto(view, staff=self._principal.is_staff).SerializeToString()

    async def served_page(self, category: str, *, page_size: int, page_token: str = "") -> bytes:
        """ListTickets' reply bytes for the tickets of `category`, with their total."""
        reply: bytes = await self._list(
            ticket_service_pb2.ListTicketsRequest(
                category=category, page_size=page_size, page_token=page_token, include_total_size=True
            ),
            metadata=self._who.metadata,
        )
        return reply

    async def built_page(self, category: str, *, page_size: int, page_token: str = "") -> bytes:
        """ListTickets' reply as the servicer used to build it."""
        query = ListTicketsQuery(category=category)
        tickets, next_page_token = await self._desk.list_tickets(
            principal=self._principal, query=query, page_size=page_size, page_token=page_token
        )
        response = ticket_service_pb2.ListTicketsResponse(next_page_token=next_page_token)
        response.total_size = await self._desk.count_tickets(principal=self._principal, query=query)
        for ticket in tickets:
            response.tickets.add(**view_fields(ticket, staff=self._principal.is_staff))
        return response.SerializeToString()

    async def assert_same(self, ticket_id: str, category: str) -> None:
        """Both ways agree for the ticket and for its category's pages (served twice: built, then kept)."""
        for _ in range(2):
            assert await self.served_ticket(ticket_id) == await self.built_ticket(ticket_id)
            first = await self.served_page(category, page_size=1)
            assert first == await self.built_page(category, page_size=1)
            token = ticket_service_pb2.ListTicketsResponse.FromString(first).next_page_token
            if token:
                served = await self.served_page(category, page_size=1, page_token=token)
                assert served == await self.built_page(category, page_size=1, page_token=token)
            whole = await self.served_page(category, page_size=10)
            assert whole == await self.built_page(category, page_size=10)


def _hits(app: HelpdeskApp) -> float:
    registry = app.resources.metrics.registry
    return registry.get_sample_value("helpdesk_cache_hits_total", {"cache": "encoded_tickets"}) or 0.0


async def test_replies_stay_byte_for_byte_the_built_ones_through_every_kind_of_change(
    app: HelpdeskApp,
    channel: grpc.aio.Channel,
    ticket_stub: TicketStub,
    sla_stub: sla_service_pb2_grpc.SlaServiceAsyncStub,
    user_stub: user_service_pb2_grpc.UserServiceAsyncStub,
    cast: Cast,
    clock: FakeClock,
) -> None:
    category = new_category()
    policy = await make_policy(sla_stub, cast.admin, category=category, first_response=HOUR, warning=HOUR / 4)
    ticket = await open_ticket(ticket_stub, cast.customer_a, category=category, tags=("printer",))
    # Stays at the policy's priority (the first one leaves it): the SLA part happens to this one.
    waiting = await open_ticket(ticket_stub, cast.customer_a, category=category, subject="Second one")
    audiences = [
        Replies(app, channel, cast.customer_a, Role.CUSTOMER),
        Replies(app, channel, cast.agent_a, Role.AGENT),
        Replies(app, channel, cast.admin, Role.ADMIN),
    ]

    async def all_agree() -> None:
        for replies in audiences:
            await replies.assert_same(ticket.id, category)
            await replies.assert_same(waiting.id, category)

    hits = _hits(app)
    await all_agree()
    assert _hits(app) > hits, "the second reading of unchanged tickets is served from kept entries"

    await move_to(ticket_stub, ticket.id, ticket_pb2.TICKET_STATUS_IN_PROGRESS, cast.agent_a)
    await all_agree()

    await ticket_stub.UpdateTicket(
        ticket_service_pb2.UpdateTicketRequest(
            ticket=ticket_pb2.Ticket(id=ticket.id, priority=ticket_pb2.TICKET_PRIORITY_URGENT),
            update_mask=field_mask_pb2.FieldMask(paths=["priority"]),
        ),
        metadata=cast.agent_a.metadata,
    )
    await all_agree()

    await ticket_stub.AssignTicket(
        ticket_service_pb2.AssignTicketRequest(id=ticket.id, assignee_id=cast.agent_b.user_id),
        metadata=cast.agent_a.metadata,
    )
    await all_agree()

    await ticket_stub.UpdateTicket(
        ticket_service_pb2.UpdateTicketRequest(
            ticket=ticket_pb2.Ticket(id=ticket.id, tags=["printer", "smoke"]),
            update_mask=field_mask_pb2.FieldMask(paths=["tags"]),
        ),
        metadata=cast.agent_a.metadata,
    )
    await all_agree()

    await ticket_stub.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="Any news?"),
        metadata=cast.customer_a.metadata,
    )
    await all_agree()

    # An internal note leaves the version alone; staff see one more message, customers do not.
    before_note = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=ticket.id), metadata=cast.agent_a.metadata
    )
    await ticket_stub.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="Vendor called.", internal=True),
        metadata=cast.agent_a.metadata,
    )
    after_note = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=ticket.id), metadata=cast.agent_a.metadata
    )
    assert after_note.etag == before_note.etag
    assert after_note.message_count == before_note.message_count + 1
    await all_agree()

    # The customer and the assignee renamed: the ticket's version is untouched, the names shown are not.
    for user in (cast.customer_a, cast.agent_b):
        await user_stub.UpdateUser(
            user_service_pb2.UpdateUserRequest(
                user=user_pb2.User(id=user.user_id, display_name=f"Renamed {uuid.uuid4().hex[:6]}"),
                update_mask=field_mask_pb2.FieldMask(paths=["display_name"]),
            ),
            metadata=cast.admin.metadata,
        )
        renamed = await ticket_stub.GetTicket(
            ticket_service_pb2.GetTicketRequest(id=ticket.id), metadata=cast.customer_a.metadata
        )
        assert renamed.etag == after_note.etag
        await all_agree()
    assert renamed.customer_display_name.startswith("Renamed ")
    assert renamed.assignee_display_name.startswith("Renamed ")

    # Time passes and the breach job flips the SLA state; nobody wrote to the ticket.
    assert app.sla is not None
    unflipped = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=waiting.id), metadata=cast.agent_a.metadata
    )
    assert not unflipped.sla_at_risk
    clock.advance(HOUR / 2 + HOUR / 4)
    await app.sla.breaches.run_once()
    at_risk = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=waiting.id), metadata=cast.agent_a.metadata
    )
    assert at_risk.sla_at_risk
    assert at_risk.etag == unflipped.etag
    await all_agree()
    clock.advance(HOUR / 2)
    await app.sla.breaches.run_once()
    breached = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=waiting.id), metadata=cast.agent_a.metadata
    )
    assert breached.first_response_breached
    assert breached.etag == unflipped.etag
    await all_agree()
    clock.advance(8 * HOUR)
    await app.sla.breaches.run_once()
    late = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=waiting.id), metadata=cast.agent_a.metadata
    )
    assert late.resolution_breached
    assert late.etag == unflipped.etag
    await all_agree()

    # Deleting the policy clears it from its tickets (the due times stay), without a new version.
    await sla_stub.DeleteSlaPolicy(sla_service_pb2.DeleteSlaPolicyRequest(id=policy.id), metadata=cast.admin.metadata)
    orphaned = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=waiting.id), metadata=cast.agent_a.metadata
    )
    assert orphaned.sla_policy_id == ""
    assert orphaned.etag == unflipped.etag
    await all_agree()

    await move_to(ticket_stub, ticket.id, ticket_pb2.TICKET_STATUS_RESOLVED, cast.agent_a)
    await all_agree()


async def test_a_full_cache_drops_entries_and_still_answers_the_same_bytes(
    app: HelpdeskApp, ticket_stub: TicketStub, cast: Cast
) -> None:
    category = new_category()
    for index in range(12):
        await open_ticket(ticket_stub, cast.customer_b, category=category, subject=f"Ticket {index}")
    assert app.tickets is not None
    spec_query = ListTicketsQuery(category=category)
    for who, role in ((cast.customer_b, Role.CUSTOMER), (cast.agent_a, Role.AGENT)):
        principal = _principal(who, role)
        views, _ = await app.tickets.desk.list_tickets(
            principal=principal, query=spec_query, page_size=12, page_token=""
        )
        assert len(views) == 12
        built = [view_to_proto(view, staff=principal.is_staff).SerializeToString() for view in views]
        one = len(b"".join(EncodedTickets(max_entries=2, max_bytes=1 << 20).page(views[:1], staff=False)))
        for max_entries, max_bytes in ((6, 1 << 20), (1000, 10 * one)):
            kept = EncodedTickets(max_entries=max_entries, max_bytes=max_bytes)
            for _ in range(3):
                # Forward and back: entries age out under both bounds and are built again.
                for view, expected in [
                    *zip(views, built, strict=True),
                    *reversed(list(zip(views, built, strict=True))),
                ]:
                    assert kept.ticket(view, staff=principal.is_staff) == expected
                    assert len(kept) <= max_entries
                    assert kept.size_bytes <= max_bytes
                page = ticket_service_pb2.ListTicketsResponse.FromString(
                    b"".join(kept.page(views, staff=principal.is_staff))
                )
                assert [t.SerializeToString() for t in page.tickets] == built
            assert len(kept) < 12


def test_every_ticket_field_is_accounted_for_by_the_key_or_the_version() -> None:
    """A field added to Ticket must be classified before kept entries can be trusted with it."""
    assert set(KEYED_OR_VERSIONED) == set(ticket_pb2.Ticket.DESCRIPTOR.fields_by_name)


async def test_tickets_changed_or_deleted_between_the_page_and_its_whole_rows_show_as_they_are_then(
    app: HelpdeskApp, ticket_stub: TicketStub, cast: Cast
) -> None:
    """A page is read as stamps; the tickets not kept are read whole after, and that later reading wins."""
    category = new_category()
    changed = await open_ticket(ticket_stub, cast.customer_b, category=category, subject="Will change")
    deleted = await open_ticket(ticket_stub, cast.customer_b, category=category, subject="Will go")
    kept = await open_ticket(ticket_stub, cast.customer_b, category=category, subject="Stays")
    assert app.tickets is not None
    desk = app.tickets.desk
    principal = _principal(cast.agent_a, Role.AGENT)
    query = ListTicketsQuery(category=category, order_by="create_time")
    encoded = EncodedTickets(max_entries=100, max_bytes=1 << 20)
    read = await desk.list_stamp_page(principal=principal, query=query, page_size=10, page_token="")
    stamps = read.stamps
    assert [str(stamp.id) for stamp in stamps] == [changed.id, deleted.id, kept.id]
    # Only the last one's message is kept when the page is assembled.
    (kept_view,) = (await desk.ticket_views(ticket_ids=[stamps[2].id])).values()
    encoded.page([kept_view], staff=True)

    await move_to(ticket_stub, changed.id, ticket_pb2.TICKET_STATUS_IN_PROGRESS, cast.agent_a)
    await ticket_stub.DeleteTicket(ticket_service_pb2.DeleteTicketRequest(id=deleted.id), metadata=cast.admin.metadata)
    asked: list[list[uuid.UUID]] = []

    async def views(ids: list[uuid.UUID]) -> dict[uuid.UUID, TicketView]:
        asked.append(ids)
        return await desk.ticket_views(ticket_ids=ids)

    page = await encoded.list_page(
        read.key, read.read, size=read.size, staff=True, next_page_token=read.next_page_token, views=views
    )
    assert asked == [[stamps[0].id, stamps[1].id]]
    now = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=changed.id), metadata=cast.agent_a.metadata
    )
    assert now.status == ticket_pb2.TICKET_STATUS_IN_PROGRESS
    listed = ticket_service_pb2.ListTicketsResponse.FromString(page).tickets
    assert [ticket.SerializeToString() for ticket in listed] == [
        now.SerializeToString(),
        view_to_proto(kept_view, staff=True).SerializeToString(),
    ]

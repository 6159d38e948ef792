"""Access matrix: two customers, two agents and an admin against every TicketService RPC (gRPC)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import grpc
import grpc.aio
import pytest
from google.protobuf import field_mask_pb2
from google.protobuf.message import Message

from helpdesk.v1 import ticket_change_pb2, ticket_pb2, ticket_service_pb2
from tests.server.tickets.helpers import Cast, TicketStub, open_ticket
from tests.server.tickets.matrix import CELLS, EXPECTED, STREAMS
from tests.support import SignedIn

Call = Callable[[TicketStub, str, SignedIn, Cast], Awaitable[Message]]


def _calls() -> dict[str, Call]:
    def create(stub: TicketStub, ticket_id: str, actor: SignedIn, cast: Cast) -> Awaitable[Message]:
        customer_id = "" if actor in (cast.customer_a, cast.customer_b) else cast.customer_a.user_id
        return stub.CreateTicket(
            ticket_service_pb2.CreateTicketRequest(
                ticket=ticket_pb2.Ticket(subject="Matrix", description="Access check", customer_id=customer_id)
            ),
            metadata=actor.metadata,
        )

    return {
        "CreateTicket": create,
        "GetTicket": lambda stub, tid, actor, _: stub.GetTicket(
            ticket_service_pb2.GetTicketRequest(id=tid), metadata=actor.metadata
        ),
        "ListTickets": lambda stub, tid, actor, _: stub.ListTickets(
            ticket_service_pb2.ListTicketsRequest(), metadata=actor.metadata
        ),
        "UpdateTicket": lambda stub, tid, actor, _: stub.UpdateTicket(
            ticket_service_pb2.UpdateTicketRequest(
                ticket=ticket_pb2.Ticket(id=tid, subject="Edited"),
                update_mask=field_mask_pb2.FieldMask(paths=["subject"]),
            ),
            metadata=actor.metadata,
        ),
        "AssignTicket": lambda stub, tid, actor, cast: stub.AssignTicket(
            ticket_service_pb2.AssignTicketRequest(id=tid, assignee_id=cast.agent_a.user_id), metadata=actor.metadata
        ),
        "ChangeTicketStatus": lambda stub, tid, actor, _: stub.ChangeTicketStatus(
            ticket_service_pb2.ChangeTicketStatusRequest(id=tid, status=ticket_pb2.TICKET_STATUS_CLOSED),
            metadata=actor.metadata,
        ),
        "DeleteTicket": lambda stub, tid, actor, _: stub.DeleteTicket(
            ticket_service_pb2.DeleteTicketRequest(id=tid), metadata=actor.metadata
        ),
        "AddTicketMessage": lambda stub, tid, actor, _: stub.AddTicketMessage(
            ticket_service_pb2.AddTicketMessageRequest(ticket_id=tid, body="hello"), metadata=actor.metadata
        ),
        "ListTicketMessages": lambda stub, tid, actor, _: stub.ListTicketMessages(
            ticket_service_pb2.ListTicketMessagesRequest(ticket_id=tid), metadata=actor.metadata
        ),
        "ListTicketEvents": lambda stub, tid, actor, _: stub.ListTicketEvents(
            ticket_service_pb2.ListTicketEventsRequest(ticket_id=tid), metadata=actor.metadata
        ),
        "RateTicket": lambda stub, tid, actor, _: stub.RateTicket(
            ticket_service_pb2.RateTicketRequest(id=tid, rating=5), metadata=actor.metadata
        ),
    }


CALLS = _calls()


async def _outcome(call: Awaitable[Message]) -> tuple[str, Message | None]:
    try:
        return "OK", await call
    except grpc.aio.AioRpcError as error:
        return error.code().name, None


def test_the_matrix_covers_every_rpc() -> None:
    service = ticket_service_pb2.DESCRIPTOR.services_by_name["TicketService"]
    assert set(EXPECTED) | set(STREAMS) == {method.name for method in service.methods} == set(CALLS) | set(STREAMS)


@pytest.mark.parametrize("sla_breached", [False, True], ids=["all", "breached"])
@pytest.mark.parametrize("actor_name", sorted(STREAMS["WatchTickets"]))
async def test_watch_access(ticket_stub: TicketStub, cast: Cast, actor_name: str, sla_breached: bool) -> None:
    actor = cast.by_name()[actor_name]
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    outcomes: list[tuple[str, int]] = []
    for ticket_id in (ticket.id, str(uuid.uuid4())):
        call = ticket_stub.WatchTickets(
            ticket_service_pb2.WatchTicketsRequest(ticket_id=ticket_id, sla_breached=sla_breached),
            metadata=actor.metadata,
        )
        try:
            first = await call.read()
            assert isinstance(first, ticket_change_pb2.TicketChange)
            outcomes.append(("OK", first.kind))
        except grpc.aio.AioRpcError as error:
            outcomes.append((error.code().name, 0))
        finally:
            call.cancel()
    # The same answer for A's ticket and for one that does not exist: a stream that is caught up.
    assert (
        outcomes[0]
        == outcomes[1]
        == (STREAMS["WatchTickets"][actor_name], ticket_change_pb2.TICKET_CHANGE_KIND_CAUGHT_UP)
    )


@pytest.mark.parametrize(("rpc", "actor_name"), CELLS)
async def test_access(ticket_stub: TicketStub, cast: Cast, rpc: str, actor_name: str) -> None:
    actor = cast.by_name()[actor_name]
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    outcome, response = await _outcome(CALLS[rpc](ticket_stub, ticket.id, actor, cast))
    assert outcome == EXPECTED[rpc][actor_name]
    # Whatever customer B is told about A's ticket, they are told about a ticket that does not exist.
    if actor_name == "customer_b" and rpc not in ("CreateTicket", "ListTickets"):
        missing, _ = await _outcome(CALLS[rpc](ticket_stub, str(uuid.uuid4()), actor, cast))
        assert missing == outcome
    if rpc == "ListTickets":
        assert isinstance(response, ticket_service_pb2.ListTicketsResponse)
        listed = {t.id for t in response.tickets}
        assert (ticket.id in listed) == (actor_name != "customer_b")
        if actor_name.startswith("customer"):
            assert all(t.customer_id == actor.user_id for t in response.tickets)

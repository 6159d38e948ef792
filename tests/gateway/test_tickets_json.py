"""TicketService through Envoy's JSON transcoding: the access matrix and the internal-note rule over HTTP."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc.aio
import pytest

from helpdesk.v1 import auth_service_pb2_grpc, ticket_service_pb2_grpc
from server.app import HelpdeskApp
from tests.gateway.wire import HttpResponse, http_request
from tests.server.tickets.helpers import Cast, TicketStub, make_cast, open_ticket
from tests.server.tickets.matrix import CELLS, EXPECTED, HTTP_STATUS
from tests.support import SignedIn

SECRET = "quetzalcoatlus"


@pytest.fixture(scope="module")
async def channel(app: HelpdeskApp) -> AsyncIterator[grpc.aio.Channel]:
    """A native channel to the module's server (for setting tickets up)."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as chan:
        yield chan


@pytest.fixture(scope="module")
def ticket_stub(channel: grpc.aio.Channel) -> TicketStub:
    """TicketService client over native gRPC."""
    return ticket_service_pb2_grpc.TicketServiceStub(channel)


@pytest.fixture(scope="module")
async def cast(app: HelpdeskApp, channel: grpc.aio.Channel) -> Cast:
    """Two customers, two agents and an administrator."""
    return await make_cast(app, auth_service_pb2_grpc.AuthServiceStub(channel))


async def _json(
    gateway: str, method: str, path: str, actor: SignedIn, body: dict[str, Any] | None = None
) -> HttpResponse:
    headers = {"authorization": f"Bearer {actor.access_token}"}
    if body is not None:
        return await asyncio.to_thread(http_request, method, gateway + path, body=body, headers=headers)
    return await asyncio.to_thread(http_request, method, gateway + path, headers=headers)


def _request(rpc: str, ticket_id: str, actor: SignedIn, cast: Cast) -> tuple[str, str, dict[str, Any] | None]:
    staff = actor not in (cast.customer_a, cast.customer_b)
    return {
        "CreateTicket": (
            "POST",
            f"/v1/tickets?requestId={uuid.uuid4()}",
            {
                "subject": "Via JSON",
                "description": "Hello",
                **({"customerId": cast.customer_a.user_id} if staff else {}),
            },
        ),
        "GetTicket": ("GET", f"/v1/tickets/{ticket_id}", None),
        "ListTickets": ("GET", "/v1/tickets?pageSize=50&statuses=TICKET_STATUS_OPEN", None),
        "UpdateTicket": ("PATCH", f"/v1/tickets/{ticket_id}?updateMask=subject", {"subject": "Edited"}),
        "AssignTicket": ("POST", f"/v1/tickets/{ticket_id}:assign", {"assigneeId": cast.agent_a.user_id}),
        "ChangeTicketStatus": ("POST", f"/v1/tickets/{ticket_id}:changeStatus", {"status": "TICKET_STATUS_CLOSED"}),
        "DeleteTicket": ("DELETE", f"/v1/tickets/{ticket_id}", None),
        "AddTicketMessage": ("POST", f"/v1/tickets/{ticket_id}/messages", {"body": "hello"}),
        "ListTicketMessages": ("GET", f"/v1/tickets/{ticket_id}/messages", None),
        "ListTicketEvents": ("GET", f"/v1/tickets/{ticket_id}/events", None),
        "RateTicket": ("POST", f"/v1/tickets/{ticket_id}:rate", {"rating": 5}),
    }[rpc]


@pytest.mark.parametrize(("rpc", "actor_name"), CELLS)
async def test_json_access(gateway: str, ticket_stub: TicketStub, cast: Cast, rpc: str, actor_name: str) -> None:
    actor = cast.by_name()[actor_name]
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    method, path, body = _request(rpc, ticket.id, actor, cast)
    response = await _json(gateway, method, path, actor, body)
    assert response.status == HTTP_STATUS[EXPECTED[rpc][actor_name]], response.body
    if actor_name == "customer_b" and rpc not in ("CreateTicket", "ListTickets"):
        method, path, body = _request(rpc, str(uuid.uuid4()), actor, cast)
        missing = await _json(gateway, method, path, actor, body)
        assert missing.status == response.status
    if rpc == "GetTicket" and response.status == 200:
        payload = response.json()
        assert payload["id"] == ticket.id
        assert payload["status"] == "TICKET_STATUS_OPEN"
        assert payload["customerId"] == cast.customer_a.user_id
    if rpc == "ListTickets":
        listed = {t["id"] for t in response.json().get("tickets", [])}
        assert (ticket.id in listed) == (actor_name != "customer_b")


async def test_json_never_shows_a_note_to_the_customer(gateway: str, ticket_stub: TicketStub, cast: Cast) -> None:
    customer, agent = cast.customer_a, cast.agent_a
    ticket = await open_ticket(ticket_stub, customer)
    note = await _json(
        gateway, "POST", f"/v1/tickets/{ticket.id}/messages", agent, {"body": f"{SECRET} note", "internal": True}
    )
    assert note.status == 200, note.body
    reads = [
        await _json(gateway, "GET", f"/v1/tickets/{ticket.id}", customer),
        await _json(gateway, "GET", "/v1/tickets", customer),
        await _json(gateway, "GET", f"/v1/tickets?query={SECRET}", customer),
        await _json(gateway, "GET", f"/v1/tickets/{ticket.id}/messages", customer),
        await _json(gateway, "GET", f"/v1/tickets/{ticket.id}/events", customer),
        await _json(gateway, "POST", f"/v1/tickets/{ticket.id}/messages", customer, {"body": "any news?"}),
    ]
    for response in reads:
        assert SECRET.encode() not in response.body
    assert reads[0].json().get("messageCount", 0) == 0
    assert reads[2].json().get("tickets", []) == []
    staff = await _json(gateway, "GET", f"/v1/tickets/{ticket.id}/messages", agent)
    assert SECRET.encode() in staff.body

"""Contract rules a plain REST client relies on, through the real gateway.

A PATCH without `updateMask` updates the fields in the body (AIP-134); a retried custom method
answers the object unchanged; errors carry ErrorInfo even when the server gave up on a deadline.
Every answer here is also checked against the OpenAPI document by `http_request`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc.aio
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from helpdesk.v1 import auth_service_pb2_grpc, ticket_service_pb2_grpc
from server.app import HelpdeskApp
from server.settings import Settings
from tests.gateway.wire import HttpResponse, http_request
from tests.server.tickets.helpers import Cast, make_cast, open_ticket
from tests.support import SignedIn


@pytest.fixture(scope="module")
async def channel(app: HelpdeskApp) -> AsyncIterator[grpc.aio.Channel]:
    """A native channel to the module's server (for setting things up)."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as chan:
        yield chan


@pytest.fixture(scope="module")
async def cast(app: HelpdeskApp, channel: grpc.aio.Channel) -> Cast:
    """Two customers, two agents and an administrator."""
    return await make_cast(app, auth_service_pb2_grpc.AuthServiceStub(channel))


async def _call(
    gateway: str,
    method: str,
    path: str,
    actor: SignedIn,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    sent = {"authorization": f"Bearer {actor.access_token}", **(headers or {})}
    return await asyncio.to_thread(http_request, method, gateway + path, body=body, headers=sent)


def _reason(response: HttpResponse) -> str:
    infos = [d for d in response.json()["details"] if d["@type"].endswith("google.rpc.ErrorInfo")]
    assert len(infos) == 1, response.json()
    return str(infos[0]["reason"])


async def test_a_patch_without_update_mask_updates_the_fields_in_the_body(
    gateway: str, channel: grpc.aio.Channel, cast: Cast
) -> None:
    stub = ticket_service_pb2_grpc.TicketServiceStub(channel)
    ticket = await open_ticket(stub, cast.customer_a, subject="Before", description="Kept as it is", tags=("old",))

    patched = await _call(
        gateway, "PATCH", f"/v1/tickets/{ticket.id}", cast.agent_a, {"subject": "After", "tags": ["new", "urgent"]}
    )

    assert patched.status == 200, patched.body
    assert patched.json()["subject"] == "After"
    assert patched.json()["tags"] == ["new", "urgent"]
    assert patched.json()["description"] == "Kept as it is"
    # The whole resource sent back as read: output-only fields are ignored, not refused.
    as_read = {**patched.json(), "subject": "Round trip"}
    as_read.pop("status")
    round_trip = await _call(gateway, "PATCH", f"/v1/tickets/{ticket.id}", cast.agent_a, as_read)
    assert round_trip.status == 200, round_trip.body
    assert round_trip.json()["subject"] == "Round trip"
    # An explicit mask still rules: only the named field changes.
    masked = await _call(
        gateway,
        "PATCH",
        f"/v1/tickets/{ticket.id}?updateMask=description",
        cast.agent_a,
        {"subject": "Ignored", "description": "Changed"},
    )
    assert masked.status == 200, masked.body
    assert (masked.json()["subject"], masked.json()["description"]) == ("Round trip", "Changed")
    # A customer naming a field they may not edit is refused, mask or not.
    refused = await _call(gateway, "PATCH", f"/v1/tickets/{ticket.id}", cast.customer_a, {"category": "billing"})
    assert refused.status == 403
    assert _reason(refused) == "FIELD_NOT_EDITABLE"


async def test_a_retried_status_change_over_json_answers_the_ticket_unchanged(
    gateway: str, channel: grpc.aio.Channel, cast: Cast
) -> None:
    ticket = await open_ticket(ticket_service_pb2_grpc.TicketServiceStub(channel), cast.customer_a)
    body = {"status": "TICKET_STATUS_IN_PROGRESS", "etag": ticket.etag}
    first = await _call(gateway, "POST", f"/v1/tickets/{ticket.id}:changeStatus", cast.agent_a, body)
    retried = await _call(gateway, "POST", f"/v1/tickets/{ticket.id}:changeStatus", cast.agent_a, body)
    assert first.status == retried.status == 200
    assert retried.json() == first.json()


async def test_a_call_the_server_gives_up_on_its_deadline_answers_504_with_error_info(
    gateway: str, channel: grpc.aio.Channel, cast: Cast, settings: Settings
) -> None:
    ticket = await open_ticket(ticket_service_pb2_grpc.TicketServiceStub(channel), cast.customer_a)
    engine = create_async_engine(settings.database_url, poolclass=NullPool)
    try:
        async with engine.connect() as holder:
            # Another transaction holds the ticket's row, so the change waits past the deadline.
            await holder.execute(text("BEGIN"))
            await holder.execute(text("SELECT 1 FROM tickets WHERE id = :id FOR UPDATE"), {"id": ticket.id})
            late = await _call(
                gateway,
                "POST",
                f"/v1/tickets/{ticket.id}:changeStatus",
                cast.agent_a,
                {"status": "TICKET_STATUS_RESOLVED"},
                headers={"grpc-timeout": "3S"},
            )
            await holder.execute(text("ROLLBACK"))
    finally:
        await engine.dispose()
    assert late.status == 504, late.body
    assert late.json()["code"] == grpc.StatusCode.DEADLINE_EXCEEDED.value[0]
    assert _reason(late) == "DEADLINE_EXCEEDED"

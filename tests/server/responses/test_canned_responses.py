"""CannedResponseService against the real server: who sees and writes what, placeholders, search, render."""

from __future__ import annotations

import uuid
from typing import TypeAlias

import grpc
import grpc.aio
import pytest
from google.protobuf import field_mask_pb2

from helpdesk.v1 import (
    auth_service_pb2,
    auth_service_pb2_grpc,
    canned_response_pb2,
    canned_response_service_pb2,
    canned_response_service_pb2_grpc,
    ticket_service_pb2_grpc,
)
from tests.server.tickets.helpers import Cast, error_info, open_ticket
from tests.support import SignedIn, bad_fields, unique_email

Stub: TypeAlias = "canned_response_service_pb2_grpc.CannedResponseServiceAsyncStub"
SHARED = canned_response_pb2.CANNED_RESPONSE_SCOPE_SHARED
PERSONAL = canned_response_pb2.CANNED_RESPONSE_SCOPE_PERSONAL


async def create(
    stub: Stub, who: SignedIn, *, title: str, body: str = "Hello {{customer.first_name}}", scope: int = 0
) -> canned_response_pb2.CannedResponse:
    """A new canned response written by `who`."""
    return await stub.CreateCannedResponse(
        canned_response_service_pb2.CreateCannedResponseRequest(
            canned_response=canned_response_pb2.CannedResponse(title=title, body=body, scope=scope),  # type: ignore[arg-type]
            request_id=str(uuid.uuid4()),
        ),
        metadata=who.metadata,
    )


async def titles(stub: Stub, who: SignedIn, *, query: str = "", page_size: int = 200) -> list[str]:
    """The titles `who` lists (one page)."""
    response = await stub.ListCannedResponses(
        canned_response_service_pb2.ListCannedResponsesRequest(query=query, page_size=page_size), metadata=who.metadata
    )
    return [r.title for r in response.canned_responses]


async def test_personal_responses_are_their_owners_and_shared_ones_the_teams(responses_stub: Stub, cast: Cast) -> None:
    tag = uuid.uuid4().hex[:8]
    mine = await create(responses_stub, cast.agent_a, title=f"Mine {tag}")
    shared = await create(responses_stub, cast.admin, title=f"Team {tag}", scope=SHARED)

    assert mine.scope == PERSONAL
    assert mine.owner_id == cast.agent_a.user_id
    assert shared.scope == SHARED
    assert shared.owner_id == ""
    assert await titles(responses_stub, cast.agent_a, query=tag) == [f"Mine {tag}", f"Team {tag}"]
    # The other agent and the admin see the team's response, never agent A's own.
    assert await titles(responses_stub, cast.agent_b, query=tag) == [f"Team {tag}"]
    assert await titles(responses_stub, cast.admin, query=tag) == [f"Team {tag}"]
    with pytest.raises(grpc.aio.AioRpcError) as other:
        await responses_stub.GetCannedResponse(
            canned_response_service_pb2.GetCannedResponseRequest(id=mine.id), metadata=cast.agent_b.metadata
        )
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await responses_stub.GetCannedResponse(
            canned_response_service_pb2.GetCannedResponseRequest(id=str(uuid.uuid4())), metadata=cast.agent_b.metadata
        )
    assert other.value.code() == missing.value.code() == grpc.StatusCode.NOT_FOUND
    assert other.value.details() == missing.value.details()


async def test_only_administrators_write_shared_responses(responses_stub: Stub, cast: Cast) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as creating:
        await create(responses_stub, cast.agent_a, title="Not mine to share", scope=SHARED)
    assert creating.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_info(creating.value).reason == "SHARED_RESPONSE_ADMIN_ONLY"

    shared = await create(responses_stub, cast.admin, title="Team greeting", scope=SHARED)
    edit = canned_response_service_pb2.UpdateCannedResponseRequest(
        canned_response=canned_response_pb2.CannedResponse(id=shared.id, title="Hijacked"),
        update_mask=field_mask_pb2.FieldMask(paths=["title"]),
    )
    with pytest.raises(grpc.aio.AioRpcError) as editing:
        await responses_stub.UpdateCannedResponse(edit, metadata=cast.agent_a.metadata)
    assert error_info(editing.value).reason == "SHARED_RESPONSE_ADMIN_ONLY"
    with pytest.raises(grpc.aio.AioRpcError) as deleting:
        await responses_stub.DeleteCannedResponse(
            canned_response_service_pb2.DeleteCannedResponseRequest(id=shared.id), metadata=cast.agent_a.metadata
        )
    assert deleting.value.code() == grpc.StatusCode.PERMISSION_DENIED

    edited = await responses_stub.UpdateCannedResponse(edit, metadata=cast.admin.metadata)
    assert edited.title == "Hijacked"
    assert edited.etag != shared.etag


async def test_unknown_placeholders_are_refused_when_saved(responses_stub: Stub, cast: Cast) -> None:
    for body in ("Hi {{customer.password}}", "{{ 7*7 }}", "{{__import__('os')}}", "{{agent.name}}{{x}}"):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await create(responses_stub, cast.agent_a, title="Bad", body=body)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert bad_fields(refused.value) == {"canned_response.body"}
    # An unclosed brace is plain text, not a placeholder.
    await create(responses_stub, cast.agent_a, title="Brace", body="Dear {{ customer.first_name }")
    good = await create(responses_stub, cast.agent_a, title="Spaced", body="Hi {{ customer.first_name }},")
    with pytest.raises(grpc.aio.AioRpcError) as updating:
        await responses_stub.UpdateCannedResponse(
            canned_response_service_pb2.UpdateCannedResponseRequest(
                canned_response=canned_response_pb2.CannedResponse(id=good.id, body="{{ticket.secret}}"),
                update_mask=field_mask_pb2.FieldMask(paths=["body"]),
            ),
            metadata=cast.agent_a.metadata,
        )
    assert bad_fields(updating.value) == {"canned_response.body"}


async def test_search_folds_case_and_accents_and_ranks_title_matches_first(responses_stub: Stub, cast: Cast) -> None:
    tag = uuid.uuid4().hex[:8]
    await create(responses_stub, cast.agent_a, title=f"A body match {tag}", body="Sobre a RESTITUIÇÃO do valor")
    await create(responses_stub, cast.agent_a, title=f"Z Restituição {tag}", body="Hello")
    await create(responses_stub, cast.agent_a, title=f"Unrelated {tag}", body="Nothing here")

    found = await titles(responses_stub, cast.agent_a, query="restituicao")
    assert [t for t in found if tag in t] == [f"Z Restituição {tag}", f"A body match {tag}"]
    # Wildcards in the query are literal text.
    assert await titles(responses_stub, cast.agent_a, query=f"%{tag}") == []

    pages: list[str] = []
    token = ""
    while True:
        page = await responses_stub.ListCannedResponses(
            canned_response_service_pb2.ListCannedResponsesRequest(query=tag, page_size=1, page_token=token),
            metadata=cast.agent_a.metadata,
        )
        pages += [r.title for r in page.canned_responses]
        token = page.next_page_token
        if not token:
            break
    assert pages == [f"A body match {tag}", f"Unrelated {tag}", f"Z Restituição {tag}"]


async def test_render_fills_placeholders_as_plain_text_in_one_pass(
    responses_stub: Stub,
    ticket_stub: ticket_service_pb2_grpc.TicketServiceAsyncStub,
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub,
    cast: Cast,
) -> None:
    # A customer whose name looks like markup and a placeholder: both must come out as they are.
    email = unique_email("tricky")
    registered = await auth_stub.Register(
        auth_service_pb2.RegisterRequest(
            email=email, password="correct horse 1", display_name="{{agent.name}} <b>Bo</b>"
        )
    )
    customer = SignedIn(registered.user.id, email, "correct horse 1", registered.access_token, "")
    ticket = await open_ticket(ticket_stub, customer, subject="Refund {{ticket.number}}")
    template = await create(
        responses_stub,
        cast.agent_a,
        title="Everything",
        body=(
            "Hi {{customer.first_name}} ({{customer.name}}, {{customer.email}}): #{{ticket.number}} "
            "{{ticket.subject}} -- {{agent.first_name}} / {{agent.name}}"
        ),
    )
    rendered = await responses_stub.RenderCannedResponse(
        canned_response_service_pb2.RenderCannedResponseRequest(id=template.id, ticket_id=ticket.id),
        metadata=cast.agent_a.metadata,
    )
    assert rendered.body == (
        f"Hi {{{{agent.name}}}} ({{{{agent.name}}}} <b>Bo</b>, {email}): #{ticket.number} "
        "Refund {{ticket.number}} -- Test / Test agent"
    )
    assert rendered.canned_response.id == template.id

    with pytest.raises(grpc.aio.AioRpcError) as no_ticket:
        await responses_stub.RenderCannedResponse(
            canned_response_service_pb2.RenderCannedResponseRequest(id=template.id, ticket_id=str(uuid.uuid4())),
            metadata=cast.agent_a.metadata,
        )
    assert no_ticket.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as not_theirs:
        await responses_stub.RenderCannedResponse(
            canned_response_service_pb2.RenderCannedResponseRequest(id=template.id, ticket_id=ticket.id),
            metadata=cast.agent_b.metadata,
        )
    assert not_theirs.value.code() == grpc.StatusCode.NOT_FOUND


async def test_writes_check_the_etag_and_creates_are_idempotent(responses_stub: Stub, cast: Cast) -> None:
    request = canned_response_service_pb2.CreateCannedResponseRequest(
        canned_response=canned_response_pb2.CannedResponse(title="Once", body="Only once"),
        request_id=str(uuid.uuid4()),
    )
    first = await responses_stub.CreateCannedResponse(request, metadata=cast.agent_b.metadata)
    again = await responses_stub.CreateCannedResponse(request, metadata=cast.agent_b.metadata)
    assert again.id == first.id

    edited = await responses_stub.UpdateCannedResponse(
        canned_response_service_pb2.UpdateCannedResponseRequest(
            canned_response=canned_response_pb2.CannedResponse(id=first.id, body="Twice?", etag=first.etag)
        ),
        metadata=cast.agent_b.metadata,
    )
    assert edited.body == "Twice?"
    assert edited.title == "Once"
    with pytest.raises(grpc.aio.AioRpcError) as stale:
        await responses_stub.DeleteCannedResponse(
            canned_response_service_pb2.DeleteCannedResponseRequest(id=first.id, etag=first.etag),
            metadata=cast.agent_b.metadata,
        )
    assert stale.value.code() == grpc.StatusCode.ABORTED
    assert error_info(stale.value).reason == "ETAG_MISMATCH"
    await responses_stub.DeleteCannedResponse(
        canned_response_service_pb2.DeleteCannedResponseRequest(id=first.id, etag=edited.etag),
        metadata=cast.agent_b.metadata,
    )
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await responses_stub.GetCannedResponse(
            canned_response_service_pb2.GetCannedResponseRequest(id=first.id), metadata=cast.agent_b.metadata
        )
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND

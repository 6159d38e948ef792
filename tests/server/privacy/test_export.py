"""ExportMyData: a person's own data as one document; administrators may export anyone's, nobody else may."""

from __future__ import annotations

import uuid
from typing import TypeAlias

import grpc
import grpc.aio
import pytest
from google.protobuf import json_format

from helpdesk.v1 import (
    article_pb2,
    privacy_service_pb2,
    privacy_service_pb2_grpc,
    ticket_pb2,
    ticket_service_pb2,
    user_pb2,
)
from tests.storage.backup_support import Population, Stubs
from tests.support import bad_fields

pytestmark = pytest.mark.timeout(180)
Privacy: TypeAlias = "privacy_service_pb2_grpc.PrivacyServiceAsyncStub"


async def test_a_customer_exports_their_profile_tickets_public_messages_chats_ratings_votes_and_sessions(
    privacy: Privacy, population: Population
) -> None:
    customer = population.customers[0]

    export = await privacy.ExportMyData(privacy_service_pb2.ExportMyDataRequest(), metadata=customer.metadata)

    assert export.profile.id == customer.user_id
    assert export.profile.email == customer.email
    assert export.HasField("export_time")
    assert len(export.tickets) == 3
    assert {ticket.ticket.customer_id for ticket in export.tickets} == {customer.user_id}
    for exported in export.tickets:
        bodies = [message.body for message in exported.messages]
        # Their reply and the agent's answer; the agent's internal note is the staff's, not theirs.
        assert bodies == ["Any news?", "Looking into it"]
        assert exported.ticket.message_count == 2
    [chat] = export.chats
    assert chat.chat.rating == 5
    assert chat.chat.feedback == "quick"
    assert [message.body for message in chat.messages] == ["Hello", "Hi, how can I help?", "My invoice is wrong"]
    assert {vote.article_title for vote in export.article_votes} == {"Resetting your password", "Invoices explained"}
    assert {vote.vote for vote in export.article_votes} == {article_pb2.ARTICLE_VOTE_HELPFUL}
    assert len(export.sessions) >= 1
    assert all(session.HasField("create_time") for session in export.sessions)
    # One JSON document, and nothing of the other customer in it.
    document = json_format.MessageToJson(export)
    assert population.customers[1].email not in document
    assert population.customers[1].user_id not in document


async def test_me_names_the_caller_and_staff_export_their_own_data(privacy: Privacy, population: Population) -> None:
    agent = population.agent

    export = await privacy.ExportMyData(privacy_service_pb2.ExportMyDataRequest(user_id="me"), metadata=agent.metadata)

    assert export.profile.id == agent.user_id
    assert export.profile.role == user_pb2.ROLE_AGENT
    assert list(export.tickets) == []


async def test_an_administrator_exports_any_customer(privacy: Privacy, population: Population) -> None:
    customer = population.customers[1]

    export = await privacy.ExportMyData(
        privacy_service_pb2.ExportMyDataRequest(user_id=customer.user_id), metadata=population.admin.metadata
    )

    assert export.profile.email == customer.email
    assert len(export.tickets) == 3
    [chat] = export.chats
    assert chat.chat.rating == 0


@pytest.mark.parametrize("target", ["other customer", "no such user"])
async def test_nobody_else_exports_another_persons_data_and_learns_nothing_of_whether_they_exist(
    privacy: Privacy, population: Population, target: str
) -> None:
    user_id = population.customers[1].user_id if target == "other customer" else str(uuid.uuid4())
    for caller in (population.customers[0], population.agent):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await privacy.ExportMyData(
                privacy_service_pb2.ExportMyDataRequest(user_id=user_id), metadata=caller.metadata
            )
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_an_unknown_user_is_not_found_for_an_administrator_and_a_malformed_id_names_the_field(
    privacy: Privacy, population: Population
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await privacy.ExportMyData(
            privacy_service_pb2.ExportMyDataRequest(user_id=str(uuid.uuid4())), metadata=population.admin.metadata
        )
    with pytest.raises(grpc.aio.AioRpcError) as malformed:
        await privacy.ExportMyData(
            privacy_service_pb2.ExportMyDataRequest(user_id="not-an-id"), metadata=population.admin.metadata
        )

    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    assert malformed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(malformed.value) == {"user_id"}


async def test_the_export_follows_what_happens_to_the_data(
    privacy: Privacy, stubs: Stubs, population: Population
) -> None:
    customer = population.customers[0]
    ticket = await stubs.tickets.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(subject="Export me", description="fresh"), request_id=str(uuid.uuid4())
        ),
        metadata=customer.metadata,
    )

    export = await privacy.ExportMyData(privacy_service_pb2.ExportMyDataRequest(), metadata=customer.metadata)

    assert export.tickets[-1].ticket.id == ticket.id
    assert export.tickets[-1].ticket.subject == "Export me"

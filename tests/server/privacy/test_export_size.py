"""ExportMyData under the server's message size limit: a document that would not fit is refused with its sizes."""

from __future__ import annotations

import dataclasses
import uuid

import grpc
import grpc.aio
import pytest
from google.rpc import error_details_pb2

from helpdesk.v1 import privacy_service_pb2, privacy_service_pb2_grpc, ticket_pb2, ticket_service_pb2
from server.settings import Settings
from tests.storage.backup_support import Stubs
from tests.support import error_details, register

pytestmark = pytest.mark.timeout(180)

# Small enough to reach with a few long messages; large enough for every other call of the module.
LIMIT = 96 * 1024


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """The module's server answers at most LIMIT bytes per message."""
    return dataclasses.replace(settings, max_message_bytes=LIMIT)


def _error_info(error: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo:
    return next(d for d in error_details(error) if isinstance(d, error_details_pb2.ErrorInfo))


async def test_an_export_too_large_for_one_answer_is_refused_with_both_sizes_and_a_smaller_one_still_passes(
    stubs: Stubs, privacy: privacy_service_pb2_grpc.PrivacyServiceAsyncStub
) -> None:
    customer = await register(stubs.auth)
    ticket = await stubs.tickets.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(subject="Long story", description="It begins."), request_id=str(uuid.uuid4())
        ),
        metadata=customer.metadata,
    )
    paragraph = "All work and no play makes a long export. " * 200  # ~8.6 KB
    # Under the limit: the whole document arrives.
    await stubs.tickets.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body=paragraph), metadata=customer.metadata
    )
    small = await privacy.ExportMyData(privacy_service_pb2.ExportMyDataRequest(), metadata=customer.metadata)
    assert [message.body for message in small.tickets[0].messages] == [paragraph]

    for _ in range(11):
        await stubs.tickets.AddTicketMessage(
            ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body=paragraph),
            metadata=customer.metadata,
        )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await privacy.ExportMyData(privacy_service_pb2.ExportMyDataRequest(), metadata=customer.metadata)

    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    info = _error_info(refused.value)
    assert info.reason == "EXPORT_TOO_LARGE"
    size, limit = int(info.metadata["size_bytes"]), int(info.metadata["limit_bytes"])
    assert limit < LIMIT
    assert size > limit
    assert size > 12 * len(paragraph)

"""Per-user cap on open chat streams: the extra stream is refused, a closed one frees its slot."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Any

import grpc
import grpc.aio
import pytest
from google.rpc import error_details_pb2

from helpdesk.v1 import auth_service_pb2_grpc, chat_event_pb2, chat_service_pb2, chat_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Role
from server.settings import Settings
from tests.server.chat.chat_support import next_event, reason, send_request
from tests.support import SignedIn, error_details, register, sign_in_as

if TYPE_CHECKING:
    Stub = chat_service_pb2_grpc.ChatServiceAsyncStub

LIMIT = 3


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """A small limit, so that reaching it takes a handful of streams."""
    return settings.replace(chat_max_streams_per_user=LIMIT)


async def _chat_with_a_message(
    app: HelpdeskApp, stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> tuple[str, SignedIn, SignedIn]:
    customer = await register(auth_stub)
    agent = await sign_in_as(app, auth_stub, Role.AGENT)
    chat = (await stub.StartChat(chat_service_pb2.StartChatRequest(topic="limits"), metadata=customer.metadata)).chat
    await stub.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat.id), metadata=agent.metadata)
    await stub.SendChatMessage(send_request(chat.id, "first"), metadata=agent.metadata)
    return chat.id, customer, agent


async def _open(stub: Stub, chat_id: str, who: SignedIn) -> Any:
    """A StreamChat that the server has set up: it has replayed the chat's first message."""
    stream = stub.StreamChat(chat_service_pb2.StreamChatRequest(chat_id=chat_id), metadata=who.metadata)
    first = await next_event(stream, kind="message")
    assert first.message.seq == 1
    return stream


async def _refused(stream: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        async with asyncio.timeout(10):
            await stream.read()
    return refused.value


def _assert_too_many_streams(error: grpc.aio.AioRpcError) -> None:
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert reason(error) == "TOO_MANY_STREAMS"
    assert f"at most {LIMIT}" in (error.details() or "")
    infos = [d for d in error_details(error) if isinstance(d, error_details_pb2.ErrorInfo)]
    assert infos[0].metadata["limit"] == str(LIMIT)
    assert any(isinstance(d, error_details_pb2.RetryInfo) for d in error_details(error))


async def test_the_stream_beyond_the_limit_is_refused_and_a_closed_one_frees_a_slot(
    app: HelpdeskApp, chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    chat_id, customer, agent = await _chat_with_a_message(app, chat_stub, auth_stub)
    streams = [await _open(chat_stub, chat_id, customer) for _ in range(LIMIT)]

    extra = chat_stub.StreamChat(chat_service_pb2.StreamChatRequest(chat_id=chat_id), metadata=customer.metadata)
    _assert_too_many_streams(await _refused(extra))

    # The limit is per user: the agent of the same chat still gets streams.
    agent_stream = await _open(chat_stub, chat_id, agent)

    # The customer's open streams are unaffected by the refusal: they still get live messages.
    await chat_stub.SendChatMessage(send_request(chat_id, "still live"), metadata=agent.metadata)
    for stream in [*streams, agent_stream]:
        assert (await next_event(stream, kind="message")).message.body == "still live"

    # Closing one stream frees its slot; the server learns of the cancellation asynchronously,
    # so a reconnect may be refused for a moment (that is what RetryInfo is for), never for long.
    streams.pop().cancel()
    async with asyncio.timeout(10):
        while True:
            try:
                streams.append(await _open(chat_stub, chat_id, customer))
                break
            except grpc.aio.AioRpcError as error:
                _assert_too_many_streams(error)
                await asyncio.sleep(0.1)
    # ...and only one slot: the next is refused again.
    again = chat_stub.StreamChat(chat_service_pb2.StreamChatRequest(chat_id=chat_id), metadata=customer.metadata)
    _assert_too_many_streams(await _refused(again))

    for stream in [*streams, agent_stream]:
        stream.cancel()


async def test_converse_and_watch_queue_count_against_the_same_limit(
    app: HelpdeskApp, chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    chat_id, _, agent = await _chat_with_a_message(app, chat_stub, auth_stub)
    queue_watch = chat_stub.WatchQueue(chat_service_pb2.WatchQueueRequest(), metadata=agent.metadata)
    snapshot = await queue_watch.read()
    assert isinstance(snapshot, chat_event_pb2.QueueEvent)
    assert snapshot.WhichOneof("event") == "snapshot"
    converse = chat_stub.Converse(metadata=agent.metadata)
    await converse.write(chat_service_pb2.ConverseRequest(join=chat_service_pb2.ConverseRequest.Join(chat_id=chat_id)))
    assert (await next_event(converse, kind="message")).message.seq == 1
    stream = await _open(chat_stub, chat_id, agent)

    extra_watch = chat_stub.WatchQueue(chat_service_pb2.WatchQueueRequest(), metadata=agent.metadata)
    _assert_too_many_streams(await _refused(extra_watch))
    extra_converse = chat_stub.Converse(metadata=agent.metadata)
    await extra_converse.write(
        chat_service_pb2.ConverseRequest(join=chat_service_pb2.ConverseRequest.Join(chat_id=chat_id))
    )
    _assert_too_many_streams(await _refused(extra_converse))

    # The held Converse stream still works both ways.
    await converse.write(
        chat_service_pb2.ConverseRequest(
            send=chat_service_pb2.ConverseRequest.Send(body="over converse", request_id=str(uuid.uuid4()))
        )
    )
    assert (await next_event(stream, kind="message")).message.body == "over converse"
    for call in (queue_watch, converse, stream):
        call.cancel()


async def test_streams_that_fail_do_not_keep_their_slot(
    app: HelpdeskApp, chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    chat_id, customer, _ = await _chat_with_a_message(app, chat_stub, auth_stub)
    # Twice the limit of streams that end with an error right after taking a slot (unknown chat).
    for _ in range(2 * LIMIT):
        missing = chat_stub.StreamChat(
            chat_service_pb2.StreamChatRequest(chat_id=str(uuid.uuid4())), metadata=customer.metadata
        )
        assert (await _refused(missing)).code() is grpc.StatusCode.NOT_FOUND
    # A stream the server ends on its own (the chat ends) gives its slot back too.
    ended_chat, ended_customer, ended_agent = await _chat_with_a_message(app, chat_stub, auth_stub)
    finished = await _open(chat_stub, ended_chat, ended_customer)
    await chat_stub.EndChat(chat_service_pb2.EndChatRequest(id=ended_chat), metadata=ended_agent.metadata)
    async with asyncio.timeout(10):
        while (await finished.read()) is not grpc.aio.EOF:
            pass
    assert await finished.code() is grpc.StatusCode.OK
    assert app.chat is not None
    assert app.chat.stream_slots.open_streams(uuid.UUID(ended_customer.user_id)) == 0

    streams = [await _open(chat_stub, chat_id, customer) for _ in range(LIMIT)]
    for stream in streams:
        stream.cancel()

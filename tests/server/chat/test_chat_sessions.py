"""ChatService sessions and messages through the real server: start, list, accept race, send, end, rate."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

import grpc
import grpc.aio
import pytest

from helpdesk.v1 import auth_service_pb2_grpc, chat_pb2, chat_service_pb2, chat_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Role
from tests.server.chat.chat_support import reason, send_request
from tests.support import SignedIn, bad_fields, register, sign_in_as

if TYPE_CHECKING:
    Stub = chat_service_pb2_grpc.ChatServiceAsyncStub


async def _start(stub: Stub, customer: SignedIn, **fields: str) -> chat_service_pb2.StartChatResponse:
    return await stub.StartChat(chat_service_pb2.StartChatRequest(**fields), metadata=customer.metadata)


async def test_start_chat_creates_a_waiting_chat_and_returns_it_again(
    chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    customer = await register(auth_stub)
    first = await _start(chat_stub, customer, topic="Billing question", message="Hello?")
    assert first.created
    assert first.chat.status == chat_pb2.CHAT_STATUS_WAITING
    assert first.chat.customer_id == customer.user_id
    assert first.chat.topic == "Billing question"
    assert first.chat.queue_position >= 1
    assert first.message.seq == 1
    assert first.message.body == "Hello?"
    assert first.chat.last_seq == 1

    again = await _start(chat_stub, customer, topic="other")
    assert not again.created
    assert again.chat.id == first.chat.id
    assert again.chat.topic == "Billing question"


async def test_start_chat_queue_position_counts_older_waiting_chats(
    chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    first_customer, second_customer = await register(auth_stub), await register(auth_stub)
    a = await _start(chat_stub, first_customer)
    b = await _start(chat_stub, second_customer)
    assert b.chat.queue_position == a.chat.queue_position + 1
    # Listing reports the same places (each customer sees their own chat).
    for customer, started in ((first_customer, a), (second_customer, b)):
        listed = await chat_stub.ListChats(chat_service_pb2.ListChatsRequest(), metadata=customer.metadata)
        assert [(c.id, c.queue_position) for c in listed.chats] == [(started.chat.id, started.chat.queue_position)]


async def test_start_chat_request_id_replays_the_first_answer(
    chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    customer = await register(auth_stub)
    key = str(uuid.uuid4())
    answers = await asyncio.gather(
        *(_start(chat_stub, customer, message="hi", request_id=key) for _ in range(5)), return_exceptions=True
    )
    ok = [a for a in answers if isinstance(a, chat_service_pb2.StartChatResponse)]
    assert ok, answers
    assert {a.chat.id for a in ok} == {ok[0].chat.id}
    assert {a.message.seq for a in ok} == {1}
    listed = await chat_stub.ListChatMessages(
        chat_service_pb2.ListChatMessagesRequest(chat_id=ok[0].chat.id), metadata=customer.metadata
    )
    assert [m.body for m in listed.messages] == ["hi"]


async def test_concurrent_start_chat_opens_one_chat(
    chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    customer = await register(auth_stub)
    answers = await asyncio.gather(*(_start(chat_stub, customer) for _ in range(8)))
    assert len({a.chat.id for a in answers}) == 1
    assert sum(a.created for a in answers) == 1


async def test_get_and_list_visibility(
    app: HelpdeskApp, chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    owner = await register(auth_stub)
    stranger = await register(auth_stub)
    agent = await sign_in_as(app, auth_stub, Role.AGENT)
    chat = (await _start(chat_stub, owner)).chat

    got = await chat_stub.GetChat(chat_service_pb2.GetChatRequest(id=chat.id), metadata=owner.metadata)
    assert got.id == chat.id
    assert got.customer_display_name == "Test Customer"
    assert (await chat_stub.GetChat(chat_service_pb2.GetChatRequest(id=chat.id), metadata=agent.metadata)).id == chat.id
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await chat_stub.GetChat(chat_service_pb2.GetChatRequest(id=chat.id), metadata=stranger.metadata)
    assert denied.value.code() is grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await chat_stub.GetChat(chat_service_pb2.GetChatRequest(id=str(uuid.uuid4())), metadata=owner.metadata)
    assert missing.value.code() is grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as malformed:
        await chat_stub.GetChat(chat_service_pb2.GetChatRequest(id="nope"), metadata=owner.metadata)
    assert bad_fields(malformed.value) == {"id"}

    mine = await chat_stub.ListChats(chat_service_pb2.ListChatsRequest(), metadata=owner.metadata)
    assert [c.id for c in mine.chats] == [chat.id]
    theirs = await chat_stub.ListChats(chat_service_pb2.ListChatsRequest(), metadata=stranger.metadata)
    assert theirs.chats == []
    named = await chat_stub.ListChats(
        chat_service_pb2.ListChatsRequest(customer_id=owner.user_id), metadata=stranger.metadata
    )
    assert named.chats == []
    waiting = await chat_stub.ListChats(
        chat_service_pb2.ListChatsRequest(statuses=[chat_pb2.CHAT_STATUS_WAITING], agent_id="none", page_size=200),
        metadata=agent.metadata,
    )
    assert chat.id in {c.id for c in waiting.chats}


async def test_list_chats_pages(
    app: HelpdeskApp, chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    agent = await sign_in_as(app, auth_stub, Role.AGENT)
    for _ in range(3):
        await _start(chat_stub, await register(auth_stub))
    seen: list[str] = []
    token = ""
    while True:
        page = await chat_stub.ListChats(
            chat_service_pb2.ListChatsRequest(page_size=2, page_token=token, order_by="create_time"),
            metadata=agent.metadata,
        )
        seen += [c.id for c in page.chats]
        token = page.next_page_token
        if not token:
            break
    assert len(seen) == len(set(seen)) >= 3
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await chat_stub.ListChats(chat_service_pb2.ListChatsRequest(order_by="topic"), metadata=agent.metadata)
    assert bad_fields(bad.value) == {"order_by"}


async def test_twenty_agents_race_to_accept_and_one_wins(
    app: HelpdeskApp, chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    customer = await register(auth_stub)
    chat = (await _start(chat_stub, customer)).chat
    agents = [await sign_in_as(app, auth_stub, Role.AGENT) for _ in range(20)]
    results = await asyncio.gather(
        *(chat_stub.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat.id), metadata=a.metadata) for a in agents),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, chat_pb2.Chat)]
    losers = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(winners) == 1
    assert len(losers) == 19
    assert all(e.code() in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED) for e in losers)
    assert any(reason(e) == "CHAT_ALREADY_ACCEPTED" for e in losers)
    got = await chat_stub.GetChat(chat_service_pb2.GetChatRequest(id=chat.id), metadata=customer.metadata)
    assert got.status == chat_pb2.CHAT_STATUS_ACTIVE
    assert got.agent_id == winners[0].agent_id
    assert got.queue_position == 0


async def test_send_rules_dedupe_and_paging(
    app: HelpdeskApp, chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    customer = await register(auth_stub)
    agent = await sign_in_as(app, auth_stub, Role.AGENT)
    other_agent = await sign_in_as(app, auth_stub, Role.AGENT)
    stranger = await register(auth_stub)
    chat = (await _start(chat_stub, customer)).chat

    # The customer may send while waiting; an agent who has not accepted may not.
    sent = await chat_stub.SendChatMessage(send_request(chat.id, "waiting..."), metadata=customer.metadata)
    assert sent.seq == 1
    assert sent.sender_role != 0
    with pytest.raises(grpc.aio.AioRpcError) as not_yours:
        await chat_stub.SendChatMessage(send_request(chat.id, "hi"), metadata=agent.metadata)
    assert not_yours.value.code() is grpc.StatusCode.PERMISSION_DENIED
    assert reason(not_yours.value) == "NOT_A_PARTICIPANT"
    with pytest.raises(grpc.aio.AioRpcError) as hidden:
        await chat_stub.SendChatMessage(send_request(chat.id, "hi"), metadata=stranger.metadata)
    assert hidden.value.code() is grpc.StatusCode.NOT_FOUND

    await chat_stub.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat.id), metadata=agent.metadata)
    reply = await chat_stub.SendChatMessage(send_request(chat.id, "Hi, how can I help?"), metadata=agent.metadata)
    assert reply.seq == 2
    with pytest.raises(grpc.aio.AioRpcError) as other:
        await chat_stub.SendChatMessage(send_request(chat.id, "me too"), metadata=other_agent.metadata)
    assert other.value.code() is grpc.StatusCode.PERMISSION_DENIED

    for body, field in (("", "body"), ("   ", "body"), ("x" * 4001, "body")):
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await chat_stub.SendChatMessage(send_request(chat.id, body), metadata=customer.metadata)
        assert bad.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert bad_fields(bad.value) == {field}
    assert (await chat_stub.SendChatMessage(send_request(chat.id, "x" * 4000), metadata=customer.metadata)).seq == 3

    # Concurrent retries of one send commit it once.
    key = str(uuid.uuid4())
    retries = await asyncio.gather(
        *(chat_stub.SendChatMessage(send_request(chat.id, "once", key), metadata=customer.metadata) for _ in range(10))
    )
    assert {m.seq for m in retries} == {4}
    assert {m.id for m in retries} == {retries[0].id}
    assert all(m.request_id == key for m in retries)

    for i in range(6):
        await chat_stub.SendChatMessage(send_request(chat.id, f"m{i}"), metadata=customer.metadata)
    seqs: list[int] = []
    token = ""
    while True:
        page = await chat_stub.ListChatMessages(
            chat_service_pb2.ListChatMessagesRequest(chat_id=chat.id, page_size=4, page_token=token),
            metadata=agent.metadata,
        )
        seqs += [m.seq for m in page.messages]
        # request_id is shown to its sender only.
        assert all(m.request_id == "" for m in page.messages if m.sender_id == customer.user_id)
        token = page.next_page_token
        if not token:
            break
    assert seqs == list(range(1, 11))
    newest = await chat_stub.ListChatMessages(
        chat_service_pb2.ListChatMessagesRequest(chat_id=chat.id, page_size=3, order_by="seq desc"),
        metadata=customer.metadata,
    )
    assert [m.seq for m in newest.messages] == [10, 9, 8]
    after = await chat_stub.ListChatMessages(
        chat_service_pb2.ListChatMessagesRequest(chat_id=chat.id, after_seq=8), metadata=customer.metadata
    )
    assert [m.seq for m in after.messages] == [9, 10]
    with pytest.raises(grpc.aio.AioRpcError) as stranger_list:
        await chat_stub.ListChatMessages(
            chat_service_pb2.ListChatMessagesRequest(chat_id=chat.id), metadata=stranger.metadata
        )
    assert stranger_list.value.code() is grpc.StatusCode.NOT_FOUND


async def test_end_then_rate_once(
    app: HelpdeskApp, chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    customer = await register(auth_stub)
    stranger = await register(auth_stub)
    agent = await sign_in_as(app, auth_stub, Role.AGENT)
    chat = (await _start(chat_stub, customer, message="help")).chat
    await chat_stub.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat.id), metadata=agent.metadata)

    rate = chat_service_pb2.RateChatRequest(id=chat.id, rating=5, feedback="great")
    with pytest.raises(grpc.aio.AioRpcError) as early:
        await chat_stub.RateChat(rate, metadata=customer.metadata)
    assert early.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert reason(early.value) == "CHAT_NOT_ENDED"
    with pytest.raises(grpc.aio.AioRpcError) as stranger_end:
        await chat_stub.EndChat(chat_service_pb2.EndChatRequest(id=chat.id), metadata=stranger.metadata)
    assert stranger_end.value.code() is grpc.StatusCode.NOT_FOUND

    ended = await chat_stub.EndChat(chat_service_pb2.EndChatRequest(id=chat.id), metadata=agent.metadata)
    assert ended.status == chat_pb2.CHAT_STATUS_ENDED
    assert ended.ended_by_id == agent.user_id
    again = await chat_stub.EndChat(chat_service_pb2.EndChatRequest(id=chat.id), metadata=customer.metadata)
    assert again.ended_by_id == agent.user_id
    with pytest.raises(grpc.aio.AioRpcError) as closed:
        await chat_stub.SendChatMessage(send_request(chat.id, "still there?"), metadata=customer.metadata)
    assert closed.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert reason(closed.value) == "CHAT_ENDED"

    for bad_rating in (0, 6):
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await chat_stub.RateChat(
                chat_service_pb2.RateChatRequest(id=chat.id, rating=bad_rating), metadata=customer.metadata
            )
        assert bad_fields(bad.value) == {"rating"}
    with pytest.raises(grpc.aio.AioRpcError) as stranger_rate:
        await chat_stub.RateChat(rate, metadata=stranger.metadata)
    assert stranger_rate.value.code() is grpc.StatusCode.NOT_FOUND
    rated = await chat_stub.RateChat(rate, metadata=customer.metadata)
    assert rated.rating == 5
    assert rated.feedback == "great"
    assert rated.HasField("rate_time")
    # A retry of the same rating is answered as the first attempt was; another rating is refused.
    retried = await chat_stub.RateChat(rate, metadata=customer.metadata)
    assert retried == rated
    with pytest.raises(grpc.aio.AioRpcError) as twice:
        await chat_stub.RateChat(
            chat_service_pb2.RateChatRequest(id=chat.id, rating=1, feedback="great"), metadata=customer.metadata
        )
    assert twice.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert reason(twice.value) == "CHAT_ALREADY_RATED"

    # A new chat can be started once the previous one ended.
    fresh = await _start(chat_stub, customer)
    assert fresh.created
    assert fresh.chat.id != chat.id


async def test_customer_may_end_a_waiting_chat(
    chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    customer = await register(auth_stub)
    chat = (await _start(chat_stub, customer)).chat
    ended = await chat_stub.EndChat(chat_service_pb2.EndChatRequest(id=chat.id), metadata=customer.metadata)
    assert ended.status == chat_pb2.CHAT_STATUS_ENDED
    assert ended.agent_id == ""

"""EraseCustomer: after it, nothing personal of the customer is found, through any RPC or in the raw stores."""

from __future__ import annotations

import uuid
from typing import TypeAlias

import asyncpg
import grpc
import grpc.aio
import pytest
from google.protobuf import field_mask_pb2, json_format
from google.rpc import error_details_pb2
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from helpdesk.v1 import (
    article_pb2,
    auth_service_pb2,
    chat_service_pb2,
    knowledge_service_pb2,
    privacy_service_pb2,
    privacy_service_pb2_grpc,
    ticket_pb2,
    ticket_service_pb2,
    user_pb2,
    user_service_pb2,
)
from server.settings import Settings
from tests.storage.backup_support import Population, Stubs
from tests.support import SignedIn, error_details, register

pytestmark = pytest.mark.timeout(240)
Privacy: TypeAlias = "privacy_service_pb2_grpc.PrivacyServiceAsyncStub"

# What only the doomed customer's data contains: a unique name, and a unique word they write.
NAME = f"Quillon Vexmarrow{uuid.uuid4().hex[:6]}"
PHRASE_WORD = f"zorbulate{uuid.uuid4().hex[:8]}"


def reason(error: grpc.aio.AioRpcError) -> str:
    """The ErrorInfo reason of a failed call."""
    return next((d.reason for d in error_details(error) if isinstance(d, error_details_pb2.ErrorInfo)), "")


async def _doomed_customer(stubs: Stubs, population: Population) -> tuple[SignedIn, list[str], str]:
    """A customer who writes their name and phrase everywhere they can; returns them, their ticket ids, their chat."""
    email = f"vexmarrow-{uuid.uuid4().hex[:8]}@example.com"
    registered = await stubs.auth.Register(
        auth_service_pb2.RegisterRequest(email=email, password="doomed password 1", display_name=NAME)
    )
    customer = SignedIn(
        registered.user.id, email, "doomed password 1", registered.access_token, registered.refresh_token
    )
    agent = population.agent.metadata
    ticket_ids = []
    for n in range(2):
        ticket = await stubs.tickets.CreateTicket(
            ticket_service_pb2.CreateTicketRequest(
                ticket=ticket_pb2.Ticket(
                    subject=f"{PHRASE_WORD} problem {n}",
                    description=f"I am {NAME}, reach me at {email} about {PHRASE_WORD}",
                    tags=["billing"],
                ),
                request_id=str(uuid.uuid4()),
            ),
            metadata=customer.metadata,
        )
        ticket_ids.append(ticket.id)
        await stubs.tickets.AddTicketMessage(
            ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body=f"Still {PHRASE_WORD}, {NAME}"),
            metadata=customer.metadata,
        )
        await stubs.tickets.AddTicketMessage(
            ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body=f"Dear {NAME}, we are on it"),
            metadata=agent,
        )
        await stubs.tickets.AddTicketMessage(
            ticket_service_pb2.AddTicketMessageRequest(
                ticket_id=ticket.id, body=f"Note: {NAME} called twice", internal=True
            ),
            metadata=agent,
        )
    await stubs.tickets.AssignTicket(
        ticket_service_pb2.AssignTicketRequest(
            id=ticket_ids[0], assignee_id=population.agent.user_id, comment=f"{NAME} is a VIP"
        ),
        metadata=population.admin.metadata,
    )
    await stubs.tickets.ChangeTicketStatus(
        ticket_service_pb2.ChangeTicketStatusRequest(id=ticket_ids[1], status=ticket_pb2.TICKET_STATUS_RESOLVED),
        metadata=agent,
    )
    await stubs.tickets.RateTicket(
        ticket_service_pb2.RateTicketRequest(id=ticket_ids[1], rating=5, comment=f"{NAME} loved {PHRASE_WORD}"),
        metadata=customer.metadata,
    )
    started = await stubs.chat.StartChat(
        chat_service_pb2.StartChatRequest(topic=f"{PHRASE_WORD} refund", message=f"Hi, {NAME} here"),
        metadata=customer.metadata,
    )
    chat_id = started.chat.id
    await stubs.chat.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat_id), metadata=agent)
    await stubs.chat.SendChatMessage(
        chat_service_pb2.SendChatMessageRequest(
            chat_id=chat_id, body=f"My email is {email}", request_id=str(uuid.uuid4())
        ),
        metadata=customer.metadata,
    )
    await stubs.chat.EndChat(chat_service_pb2.EndChatRequest(id=chat_id), metadata=customer.metadata)
    await stubs.chat.RateChat(
        chat_service_pb2.RateChatRequest(id=chat_id, rating=4, feedback=f"{PHRASE_WORD} was fine"),
        metadata=customer.metadata,
    )
    await stubs.knowledge.VoteArticle(
        knowledge_service_pb2.VoteArticleRequest(id=population.article_ids[0], vote=article_pb2.ARTICLE_VOTE_HELPFUL),
        metadata=customer.metadata,
    )
    return customer, ticket_ids, chat_id


async def _found_through_the_api(stubs: Stubs, privacy: Privacy, population: Population, needle: str) -> list[str]:
    """Where `needle` appears in any answer any role gets from the reads and searches of the API."""
    found = []
    admin = population.admin.metadata
    for caller in (population.admin, population.agent, population.customers[0]):
        listed = await stubs.tickets.ListTickets(
            ticket_service_pb2.ListTicketsRequest(query=needle, page_size=100), metadata=caller.metadata
        )
        if listed.tickets:
            found.append(f"ListTickets(query) as {caller.email}")
        everything = await stubs.tickets.ListTickets(
            ticket_service_pb2.ListTicketsRequest(page_size=100), metadata=caller.metadata
        )
        if needle.lower() in str(everything).lower():
            found.append(f"ListTickets as {caller.email}")
        chats = await stubs.chat.ListChats(chat_service_pb2.ListChatsRequest(page_size=100), metadata=caller.metadata)
        if needle.lower() in str(chats).lower():
            found.append(f"ListChats as {caller.email}")
        searched = await stubs.knowledge.SearchArticles(knowledge_service_pb2.SearchArticlesRequest(query=needle))
        if searched.results:
            found.append("SearchArticles")
    users = await stubs.users.ListUsers(
        user_service_pb2.ListUsersRequest(query=needle, show_inactive=True, page_size=100), metadata=admin
    )
    if users.users:
        found.append("ListUsers(query)")
    all_users = await stubs.users.ListUsers(
        user_service_pb2.ListUsersRequest(show_inactive=True, page_size=200), metadata=admin
    )
    if needle.lower() in str(all_users).lower():
        found.append("ListUsers")
    return found


async def _found_in_the_database(settings: Settings, needle: str) -> list[str]:
    """Every table whose rows, as text (all columns: text, arrays, JSON, search vectors), contain `needle`."""
    url = make_url(settings.database_url)
    connection = await asyncpg.connect(host=url.query["host"], user=url.username, database=url.database)
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        found = []
        for row in tables:
            table = row["tablename"]
            count = await connection.fetchval(
                f'SELECT count(*) FROM "{table}" AS t WHERE lower(t::text) LIKE $1',  # noqa: S608 - catalog names
                f"%{needle.lower()}%",
            )
            if count:
                found.append(f"{table} ({count} rows)")
        return found
    finally:
        await connection.close()


async def _found_in_redis(redis_client: Redis, needle: str) -> list[str]:
    """Every Redis key whose name or value contains `needle`."""
    found = []
    lowered = needle.lower()
    async for key in redis_client.scan_iter(count=1000):
        kind = str(await redis_client.type(key))
        if kind == "string":
            value: object = await redis_client.get(key)
        elif kind == "hash":
            value = await redis_client.hgetall(key)
        elif kind == "set":
            value = await redis_client.smembers(key)
        elif kind == "zset":
            value = await redis_client.zrange(key, 0, -1)
        elif kind == "list":
            value = await redis_client.lrange(key, 0, -1)
        else:
            value = await redis_client.xrange(key) if kind == "stream" else ""
        if lowered in f"{key} {value!r}".lower():
            found.append(str(key))
    return found


async def test_after_erasure_nothing_personal_is_found_through_any_rpc_nor_in_the_database_nor_in_redis(
    stubs: Stubs, privacy: Privacy, population: Population, settings: Settings, redis_client: Redis
) -> None:
    customer, ticket_ids, chat_id = await _doomed_customer(stubs, population)
    admin = population.admin.metadata
    needles = [NAME, NAME.split()[1], customer.email, PHRASE_WORD]
    before_tickets = {
        ticket_id: await stubs.tickets.GetTicket(ticket_service_pb2.GetTicketRequest(id=ticket_id), metadata=admin)
        for ticket_id in ticket_ids
    }
    before_article = await stubs.knowledge.GetArticle(
        knowledge_service_pb2.GetArticleRequest(id=population.article_ids[0]), metadata=admin
    )
    # The searches find the customer before: the checks below can fail.
    assert "ListTickets(query) as " + population.admin.email in await _found_through_the_api(
        stubs, privacy, population, PHRASE_WORD
    )
    assert "ListUsers(query)" in await _found_through_the_api(stubs, privacy, population, customer.email)
    assert await _found_in_database_all(settings, needles)
    target = await stubs.users.GetUser(user_service_pb2.GetUserRequest(id=customer.user_id), metadata=admin)

    erasure = await privacy.EraseCustomer(
        privacy_service_pb2.EraseCustomerRequest(user_id=customer.user_id, etag=target.etag), metadata=admin
    )

    assert erasure.user_id == customer.user_id
    assert erasure.erased_by_id == population.admin.user_id
    assert (erasure.tickets, erasure.ticket_messages, erasure.chats, erasure.chat_messages) == (2, 6, 1, 2)
    assert erasure.sessions_ended == 1
    for needle in needles:
        assert await _found_through_the_api(stubs, privacy, population, needle) == [], needle
        assert await _found_in_the_database(settings, needle) == [], needle
        assert await _found_in_redis(redis_client, needle) == [], needle
    # Every read of the erased objects by the administrator (who sees the most) is clean too.
    exported = await privacy.ExportMyData(
        privacy_service_pb2.ExportMyDataRequest(user_id=customer.user_id), metadata=admin
    )
    reads = [json_format.MessageToJson(exported)]
    for ticket_id in ticket_ids:
        reads.append(
            str(await stubs.tickets.GetTicket(ticket_service_pb2.GetTicketRequest(id=ticket_id), metadata=admin))
        )
        reads.append(
            str(
                await stubs.tickets.ListTicketMessages(
                    ticket_service_pb2.ListTicketMessagesRequest(ticket_id=ticket_id), metadata=admin
                )
            )
        )
        reads.append(
            str(
                await stubs.tickets.ListTicketEvents(
                    ticket_service_pb2.ListTicketEventsRequest(ticket_id=ticket_id), metadata=admin
                )
            )
        )
    reads.append(str(await stubs.chat.GetChat(chat_service_pb2.GetChatRequest(id=chat_id), metadata=admin)))
    reads.append(
        str(
            await stubs.chat.ListChatMessages(chat_service_pb2.ListChatMessagesRequest(chat_id=chat_id), metadata=admin)
        )
    )
    for needle in needles:
        assert not [read for read in reads if needle.lower() in read.lower()], needle

    # Counts and report figures stay.
    for ticket_id, before in before_tickets.items():
        after = await stubs.tickets.GetTicket(ticket_service_pb2.GetTicketRequest(id=ticket_id), metadata=admin)
        assert after.subject == "[erased]"
        assert after.rating == before.rating
        assert (after.status, after.priority, after.message_count, after.create_time, after.tags) == (
            before.status,
            before.priority,
            before.message_count,
            before.create_time,
            before.tags,
        )
    chat = await stubs.chat.GetChat(chat_service_pb2.GetChatRequest(id=chat_id), metadata=admin)
    assert (chat.rating, chat.last_seq, chat.feedback) == (4, 2, "")
    article = await stubs.knowledge.GetArticle(
        knowledge_service_pb2.GetArticleRequest(id=population.article_ids[0]), metadata=admin
    )
    assert article.helpful_count == before_article.helpful_count


async def _found_in_database_all(settings: Settings, needles: list[str]) -> list[str]:
    return [found for needle in needles for found in await _found_in_the_database(settings, needle)]


async def test_the_erased_customers_sessions_end_at_once_and_the_account_never_signs_in_again(
    stubs: Stubs, privacy: Privacy, population: Population
) -> None:
    customer = await register(stubs.auth)
    admin = population.admin.metadata
    # Used once, so that the server holds the session in its principal cache.
    await stubs.auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=customer.metadata)
    target = await stubs.users.GetUser(user_service_pb2.GetUserRequest(id=customer.user_id), metadata=admin)

    await privacy.EraseCustomer(
        privacy_service_pb2.EraseCustomerRequest(user_id=customer.user_id, etag=target.etag), metadata=admin
    )

    with pytest.raises(grpc.aio.AioRpcError) as with_token:
        await stubs.auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=customer.metadata)
    with pytest.raises(grpc.aio.AioRpcError) as refreshing:
        await stubs.auth.RefreshToken(auth_service_pb2.RefreshTokenRequest(refresh_token=customer.refresh_token))
    with pytest.raises(grpc.aio.AioRpcError) as signing_in:
        await stubs.auth.Login(auth_service_pb2.LoginRequest(email=customer.email, password=customer.password))
    assert with_token.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert refreshing.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert signing_in.value.code() == grpc.StatusCode.UNAUTHENTICATED
    erased = await stubs.users.GetUser(user_service_pb2.GetUserRequest(id=customer.user_id), metadata=admin)
    assert not erased.active
    assert erased.display_name == "Erased customer"
    # Irreversible: the account cannot be reactivated or renamed.
    with pytest.raises(grpc.aio.AioRpcError) as reactivating:
        await stubs.users.UpdateUser(
            user_service_pb2.UpdateUserRequest(
                user=user_pb2.User(id=customer.user_id, active=True),
                update_mask=field_mask_pb2.FieldMask(paths=["active"]),
            ),
            metadata=admin,
        )
    assert reactivating.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert reason(reactivating.value) == "USER_ERASED"


async def test_erasure_takes_the_current_etag_only_customers_and_a_retry_answers_the_first_record(
    stubs: Stubs, privacy: Privacy, population: Population, settings: Settings
) -> None:
    customer = await register(stubs.auth)
    admin = population.admin.metadata
    stale = await stubs.users.GetUser(user_service_pb2.GetUserRequest(id=customer.user_id), metadata=admin)
    current = await stubs.users.UpdateUser(
        user_service_pb2.UpdateUserRequest(
            user=user_pb2.User(id=customer.user_id, display_name="Renamed"),
            update_mask=field_mask_pb2.FieldMask(paths=["display_name"]),
        ),
        metadata=admin,
    )

    with pytest.raises(grpc.aio.AioRpcError) as stale_etag:
        await privacy.EraseCustomer(
            privacy_service_pb2.EraseCustomerRequest(user_id=customer.user_id, etag=stale.etag), metadata=admin
        )
    with pytest.raises(grpc.aio.AioRpcError) as no_etag:
        await privacy.EraseCustomer(privacy_service_pb2.EraseCustomerRequest(user_id=customer.user_id), metadata=admin)
    agent = await stubs.users.GetUser(user_service_pb2.GetUserRequest(id=population.agent.user_id), metadata=admin)
    with pytest.raises(grpc.aio.AioRpcError) as staff:
        await privacy.EraseCustomer(
            privacy_service_pb2.EraseCustomerRequest(user_id=agent.id, etag=agent.etag), metadata=admin
        )
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await privacy.EraseCustomer(
            privacy_service_pb2.EraseCustomerRequest(user_id=str(uuid.uuid4()), etag=current.etag), metadata=admin
        )
    first = await privacy.EraseCustomer(
        privacy_service_pb2.EraseCustomerRequest(user_id=customer.user_id, etag=current.etag), metadata=admin
    )
    again = await privacy.EraseCustomer(
        privacy_service_pb2.EraseCustomerRequest(user_id=customer.user_id, etag=current.etag), metadata=admin
    )

    assert stale_etag.value.code() == grpc.StatusCode.ABORTED
    assert reason(stale_etag.value) == "ETAG_MISMATCH"
    assert no_etag.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert staff.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert reason(staff.value) == "NOT_A_CUSTOMER"
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    assert again == first
    # One audit record: who erased whom and when, counts only.
    url = make_url(settings.database_url)
    connection = await asyncpg.connect(host=url.query["host"], user=url.username, database=url.database)
    try:
        rows = await connection.fetch(
            "SELECT type, actor_id, create_time FROM privacy_events WHERE subject_id = $1", uuid.UUID(customer.user_id)
        )
    finally:
        await connection.close()
    assert [(row["type"], str(row["actor_id"])) for row in rows] == [("customer_erased", population.admin.user_id)]


async def test_a_chat_transcript_copied_into_a_ticket_is_erased_with_the_customer(
    stubs: Stubs, privacy: Privacy, population: Population, settings: Settings, redis_client: Redis
) -> None:
    word = f"transcriptword{uuid.uuid4().hex[:8]}"
    name = f"Ysolde Transcript{uuid.uuid4().hex[:6]}"
    email = f"transcript-{uuid.uuid4().hex[:8]}@example.com"
    registered = await stubs.auth.Register(
        auth_service_pb2.RegisterRequest(email=email, password="doomed password 1", display_name=name)
    )
    customer = SignedIn(registered.user.id, email, "doomed password 1", registered.access_token, "")
    agent, admin = population.agent.metadata, population.admin.metadata
    # No topic: the ticket's default subject is "Chat with" and the customer's name.
    started = await stubs.chat.StartChat(
        chat_service_pb2.StartChatRequest(message=f"Hello, {word} is broken"), metadata=customer.metadata
    )
    chat_id = started.chat.id
    await stubs.chat.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat_id), metadata=agent)
    await stubs.chat.SendChatMessage(
        chat_service_pb2.SendChatMessageRequest(
            chat_id=chat_id, body=f"Write to {email}", request_id=str(uuid.uuid4())
        ),
        metadata=customer.metadata,
    )
    ticket = await stubs.tickets.GetTicket(
        ticket_service_pb2.GetTicketRequest(
            id=(
                await stubs.chat.CreateTicketFromChat(
                    chat_service_pb2.CreateTicketFromChatRequest(id=chat_id), metadata=agent
                )
            ).id
        ),
        metadata=admin,
    )
    await stubs.tickets.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body=f"Following up on {word}"),
        metadata=agent,
    )
    needles = [name, email, word]
    # The transcript did reach the ticket: the checks below can fail.
    assert name in ticket.subject
    transcript = await stubs.tickets.ListTicketMessages(
        ticket_service_pb2.ListTicketMessagesRequest(ticket_id=ticket.id), metadata=admin
    )
    assert word in transcript.messages[0].body
    assert email in transcript.messages[0].body
    assert "ListTickets(query) as " + population.admin.email in await _found_through_the_api(
        stubs, privacy, population, word
    )
    target = await stubs.users.GetUser(user_service_pb2.GetUserRequest(id=customer.user_id), metadata=admin)

    erasure = await privacy.EraseCustomer(
        privacy_service_pb2.EraseCustomerRequest(user_id=customer.user_id, etag=target.etag), metadata=admin
    )

    assert (erasure.tickets, erasure.chats) == (1, 1)
    for needle in needles:
        assert await _found_through_the_api(stubs, privacy, population, needle) == [], needle
        assert await _found_in_the_database(settings, needle) == [], needle
        assert await _found_in_redis(redis_client, needle) == [], needle
    after = await stubs.tickets.ListTicketMessages(
        ticket_service_pb2.ListTicketMessagesRequest(ticket_id=ticket.id), metadata=admin
    )
    assert [message.body for message in after.messages] == ["[erased]", "[erased]"]
    # The link between the chat and its ticket stays.
    chat = await stubs.chat.GetChat(chat_service_pb2.GetChatRequest(id=chat_id), metadata=admin)
    assert chat.ticket_id == ticket.id

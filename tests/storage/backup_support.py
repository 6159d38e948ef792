"""Helpers of the backup tests: a populated system built through the API, and every read compared after a restore."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import grpc.aio
from google.protobuf.message import Message

from helpdesk.v1 import (
    agent_pb2,
    article_pb2,
    auth_service_pb2,
    auth_service_pb2_grpc,
    chat_service_pb2,
    chat_service_pb2_grpc,
    knowledge_service_pb2,
    knowledge_service_pb2_grpc,
    ticket_pb2,
    ticket_service_pb2,
    ticket_service_pb2_grpc,
    user_service_pb2,
    user_service_pb2_grpc,
)
from tests.support import SignedIn

HELPDESK = Path(sys.executable).parent / "helpdesk"


def run_helpdesk(*args: str, database_url: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Runs the `helpdesk` console script (on `database_url`, else on its --data-dir); never raises on failure."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_") and k != "DATABASE_URL"}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return subprocess.run([str(HELPDESK), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


class Stubs:
    """Every service's stub on one channel."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.auth = auth_service_pb2_grpc.AuthServiceStub(channel)
        self.users = user_service_pb2_grpc.UserServiceStub(channel)
        self.tickets = ticket_service_pb2_grpc.TicketServiceStub(channel)
        self.chat = chat_service_pb2_grpc.ChatServiceStub(channel)
        self.knowledge = knowledge_service_pb2_grpc.KnowledgeServiceStub(channel)


@dataclass
class Population:
    """What `populate` made: who, and the ids of what they wrote."""

    admin: SignedIn
    agent: SignedIn
    customers: list[SignedIn]
    ticket_ids: list[str] = field(default_factory=list)
    chat_ids: list[str] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)
    # A second device's refresh token, never spent before the backup.
    spare_refresh_token: str = ""


async def populate(stubs: Stubs, population: Population) -> None:
    """Tickets with replies and internal notes, an ended and rated chat, an active chat, articles and votes."""
    admin, agent = population.admin.metadata, population.agent.metadata
    for index, customer in enumerate(population.customers):
        for n in range(3):
            ticket = await stubs.tickets.CreateTicket(
                ticket_service_pb2.CreateTicketRequest(
                    ticket=ticket_pb2.Ticket(
                        subject=f"Printer {index}-{n} jams", description="Paper stuck in tray 2", tags=["printer"]
                    ),
                    request_id=str(uuid.uuid4()),
                ),
                metadata=customer.metadata,
            )
            population.ticket_ids.append(ticket.id)
            await stubs.tickets.AddTicketMessage(
                ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="Any news?"),
                metadata=customer.metadata,
            )
            await stubs.tickets.AddTicketMessage(
                ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="Looking into it"),
                metadata=agent,
            )
            await stubs.tickets.AddTicketMessage(
                ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="Firmware bug", internal=True),
                metadata=agent,
            )
        await stubs.tickets.AssignTicket(
            ticket_service_pb2.AssignTicketRequest(id=population.ticket_ids[-1], assignee_id=population.agent.user_id),
            metadata=admin,
        )
    await stubs.chat.SetAvailability(
        chat_service_pb2.SetAvailabilityRequest(availability=agent_pb2.AGENT_AVAILABILITY_ONLINE), metadata=agent
    )
    for index, customer in enumerate(population.customers):
        started = await stubs.chat.StartChat(
            chat_service_pb2.StartChatRequest(topic="billing", message="Hello", request_id=str(uuid.uuid4())),
            metadata=customer.metadata,
        )
        chat_id = started.chat.id
        population.chat_ids.append(chat_id)
        await stubs.chat.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat_id), metadata=agent)
        for body, who in (("Hi, how can I help?", agent), ("My invoice is wrong", customer.metadata)):
            await stubs.chat.SendChatMessage(
                chat_service_pb2.SendChatMessageRequest(chat_id=chat_id, body=body, request_id=str(uuid.uuid4())),
                metadata=who,
            )
        if index == 0:
            await stubs.chat.EndChat(chat_service_pb2.EndChatRequest(id=chat_id), metadata=customer.metadata)
            await stubs.chat.RateChat(
                chat_service_pb2.RateChatRequest(id=chat_id, rating=5, feedback="quick"), metadata=customer.metadata
            )
    for title in ("Resetting your password", "Invoices explained"):
        article = await stubs.knowledge.CreateArticle(
            knowledge_service_pb2.CreateArticleRequest(
                article=article_pb2.Article(title=title, body=f"{title}: step by step.", category="account"),
                request_id=str(uuid.uuid4()),
            ),
            metadata=agent,
        )
        await stubs.knowledge.PublishArticle(knowledge_service_pb2.PublishArticleRequest(id=article.id), metadata=agent)
        population.article_ids.append(article.id)
        for customer in population.customers:
            await stubs.knowledge.VoteArticle(
                knowledge_service_pb2.VoteArticleRequest(id=article.id, vote=article_pb2.ARTICLE_VOTE_HELPFUL),
                metadata=customer.metadata,
            )
    second_device = await stubs.auth.Login(
        auth_service_pb2.LoginRequest(email=population.customers[1].email, password=population.customers[1].password)
    )
    population.spare_refresh_token = second_device.refresh_token


async def read_back(stubs: Stubs, population: Population) -> dict[str, Message | list[Message]]:
    """Every read of the populated objects, by each role that may make it, keyed by what was read."""
    admin = population.admin.metadata
    reads: dict[str, Message | list[Message]] = {}
    users = await stubs.users.ListUsers(user_service_pb2.ListUsersRequest(page_size=100), metadata=admin)
    reads["users"] = [*sorted(users.users, key=lambda user: user.id)]
    for person in (population.admin, population.agent, *population.customers):
        reads[f"me {person.email}"] = await stubs.auth.GetCurrentUser(
            auth_service_pb2.GetCurrentUserRequest(), metadata=person.metadata
        )
    for customer in population.customers:
        listed = await stubs.tickets.ListTickets(
            ticket_service_pb2.ListTicketsRequest(page_size=100), metadata=customer.metadata
        )
        reads[f"tickets of {customer.email}"] = list(listed.tickets)
        chats = await stubs.chat.ListChats(chat_service_pb2.ListChatsRequest(page_size=100), metadata=customer.metadata)
        reads[f"chats of {customer.email}"] = list(chats.chats)
    for ticket_id in population.ticket_ids:
        reads[f"ticket {ticket_id}"] = await stubs.tickets.GetTicket(
            ticket_service_pb2.GetTicketRequest(id=ticket_id), metadata=admin
        )
        messages = await stubs.tickets.ListTicketMessages(
            ticket_service_pb2.ListTicketMessagesRequest(ticket_id=ticket_id, page_size=100), metadata=admin
        )
        reads[f"messages {ticket_id}"] = list(messages.messages)
        events = await stubs.tickets.ListTicketEvents(
            ticket_service_pb2.ListTicketEventsRequest(ticket_id=ticket_id, page_size=100), metadata=admin
        )
        reads[f"events {ticket_id}"] = list(events.events)
    for chat_id in population.chat_ids:
        reads[f"chat {chat_id}"] = await stubs.chat.GetChat(chat_service_pb2.GetChatRequest(id=chat_id), metadata=admin)
        chat_messages = await stubs.chat.ListChatMessages(
            chat_service_pb2.ListChatMessagesRequest(chat_id=chat_id, page_size=100), metadata=admin
        )
        reads[f"chat messages {chat_id}"] = list(chat_messages.messages)
    for article_id in population.article_ids:
        reads[f"article {article_id}"] = await stubs.knowledge.GetArticle(
            knowledge_service_pb2.GetArticleRequest(id=article_id), metadata=population.customers[0].metadata
        )
    found = await stubs.knowledge.SearchArticles(knowledge_service_pb2.SearchArticlesRequest(query="password"))
    reads["search password"] = list(found.results)
    return reads


async def all_tickets(
    stubs: Stubs, request: ticket_service_pb2.ListTicketsRequest, metadata: tuple[tuple[str, str], ...]
) -> list[ticket_pb2.Ticket]:
    """Every page of a ticket listing."""
    tickets: list[ticket_pb2.Ticket] = []
    while True:
        page = await stubs.tickets.ListTickets(request, metadata=metadata)
        tickets.extend(page.tickets)
        if not page.next_page_token:
            return tickets
        request.page_token = page.next_page_token

"""Chat, satisfaction and agent-load reports through the API, over real chats and ratings, per role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypeAlias

import grpc.aio
import pytest

from helpdesk.v1 import (
    chat_pb2,
    chat_service_pb2,
    chat_service_pb2_grpc,
    report_pb2,
    report_service_pb2,
    report_service_pb2_grpc,
    ticket_pb2,
    ticket_service_pb2,
    ticket_service_pb2_grpc,
)
from server.app import HelpdeskApp
from tests.server.tickets.helpers import Cast, move_to, open_ticket
from tests.support import SignedIn

ReportStub: TypeAlias = "report_service_pb2_grpc.ReportServiceAsyncStub"
TicketStub: TypeAlias = "ticket_service_pb2_grpc.TicketServiceAsyncStub"
ChatStub: TypeAlias = "chat_service_pb2_grpc.ChatServiceAsyncStub"


def _query(**fields: object) -> report_pb2.ReportQuery:
    now = datetime.now(UTC)
    query = report_pb2.ReportQuery(time_zone="Europe/London", bucket=report_pb2.REPORT_BUCKET_HOUR)
    query.start_time.FromDatetime(now - timedelta(hours=2))
    query.end_time.FromDatetime(now + timedelta(hours=1))
    for name, value in fields.items():
        setattr(query, name, value)
    return query


@pytest.fixture(scope="module")
def chat_stub(channel: grpc.aio.Channel) -> ChatStub:
    """ChatService client."""
    return chat_service_pb2_grpc.ChatServiceStub(channel)


async def _start(stub: ChatStub, customer: SignedIn) -> chat_pb2.Chat:
    started = await stub.StartChat(chat_service_pb2.StartChatRequest(topic="Help"), metadata=customer.metadata)
    return started.chat


@pytest.fixture(scope="module")
async def desk(app: HelpdeskApp, chat_stub: ChatStub, ticket_stub: TicketStub, cast: Cast) -> None:
    """A chat taken by agent A, ended and rated 4; a chat missed; a chat agent B is in; a ticket rated 5."""
    answered = await _start(chat_stub, cast.customer_a)
    await chat_stub.AcceptChat(chat_service_pb2.AcceptChatRequest(id=answered.id), metadata=cast.agent_a.metadata)
    await chat_stub.EndChat(chat_service_pb2.EndChatRequest(id=answered.id), metadata=cast.agent_a.metadata)
    await chat_stub.RateChat(
        chat_service_pb2.RateChatRequest(id=answered.id, rating=4), metadata=cast.customer_a.metadata
    )
    missed = await _start(chat_stub, cast.customer_b)
    await chat_stub.EndChat(chat_service_pb2.EndChatRequest(id=missed.id), metadata=cast.customer_b.metadata)
    ongoing = await _start(chat_stub, cast.customer_a)
    await chat_stub.AcceptChat(chat_service_pb2.AcceptChatRequest(id=ongoing.id), metadata=cast.agent_b.metadata)
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    await ticket_stub.AssignTicket(
        ticket_service_pb2.AssignTicketRequest(id=ticket.id, assignee_id=cast.agent_a.user_id),
        metadata=cast.admin.metadata,
    )
    await move_to(ticket_stub, ticket.id, ticket_pb2.TICKET_STATUS_RESOLVED, cast.agent_a)
    await ticket_stub.RateTicket(
        ticket_service_pb2.RateTicketRequest(id=ticket.id, rating=5), metadata=cast.customer_a.metadata
    )
    await open_ticket(ticket_stub, cast.customer_b)  # unassigned, open
    assert app.reports is not None
    await app.reports.rollup.run_once(wait=True)


async def test_chat_figures(report_stub: ReportStub, cast: Cast, desk: None) -> None:
    report = await report_stub.GetChatReport(
        report_service_pb2.GetChatReportRequest(query=_query()), metadata=cast.admin.metadata
    )
    (series,) = report.series
    total = series.total
    assert (total.started, total.accepted, total.missed) == (3, 2, 1)
    assert (total.wait.count, total.duration.count) == (2, 1)
    assert sum(point.started for point in series.points) == 3
    by_agent = await report_stub.GetChatReport(
        report_service_pb2.GetChatReportRequest(query=_query(group_by=report_pb2.REPORT_DIMENSION_AGENT)),
        metadata=cast.admin.metadata,
    )
    figures = {s.group.agent_id: (s.total.started, s.total.accepted, s.total.missed) for s in by_agent.series}
    assert figures == {cast.agent_a.user_id: (1, 1, 0), cast.agent_b.user_id: (1, 1, 0), "": (1, 0, 1)}
    own = await report_stub.GetChatReport(
        report_service_pb2.GetChatReportRequest(query=_query(group_by=report_pb2.REPORT_DIMENSION_AGENT)),
        metadata=cast.agent_b.metadata,
    )
    assert [(s.group.agent_id, s.total.started) for s in own.series] == [(cast.agent_b.user_id, 1)]


async def test_satisfaction_figures(report_stub: ReportStub, cast: Cast, desk: None) -> None:
    report = await report_stub.GetSatisfactionReport(
        report_service_pb2.GetSatisfactionReportRequest(query=_query()), metadata=cast.admin.metadata
    )
    (series,) = report.series
    tickets, chats = series.total.tickets, series.total.chats
    assert (tickets.eligible, tickets.responses, tickets.average, list(tickets.distribution)) == (
        1,
        1,
        5.0,
        [0, 0, 0, 0, 1],
    )
    assert tickets.response_rate == 1.0
    assert (chats.eligible, chats.responses, chats.average, list(chats.distribution)) == (1, 1, 4.0, [0, 0, 0, 1, 0])
    own = await report_stub.GetSatisfactionReport(
        report_service_pb2.GetSatisfactionReportRequest(query=_query(group_by=report_pb2.REPORT_DIMENSION_AGENT)),
        metadata=cast.agent_b.metadata,
    )
    # Agent B took a chat that has not ended and resolved no ticket: nothing to rate yet.
    assert all(s.total.tickets.eligible == 0 and s.total.chats.eligible == 0 for s in own.series)


async def test_agent_load(report_stub: ReportStub, cast: Cast, desk: None) -> None:
    report = await report_stub.GetAgentLoadReport(
        report_service_pb2.GetAgentLoadReportRequest(query=_query()), metadata=cast.admin.metadata
    )
    current = {load.agent.agent_id: (load.current.open_tickets, load.current.active_chats) for load in report.agents}
    assert current[cast.agent_b.user_id] == (0, 1)
    assert current.get(cast.agent_a.user_id, (0, 0)) == (0, 0)
    assert "" not in current  # unassigned work is nobody's load
    agent_b = next(load for load in report.agents if load.agent.agent_id == cast.agent_b.user_id)
    # The chat was accepted within the last hour bucket: active at that bucket's end.
    assert agent_b.points[-1].active_chats == 1
    own = await report_stub.GetAgentLoadReport(
        report_service_pb2.GetAgentLoadReportRequest(query=_query()), metadata=cast.agent_a.metadata
    )
    assert all(load.agent.agent_id == cast.agent_a.user_id for load in own.agents)

"""Descriptor-driven fuzzing of every RPC of a live server, then health and data-integrity checks.

Every RPC of every `helpdesk.v1` service is found by walking the generated descriptors, so a new RPC
is fuzzed without touching this file. Requests come from `fuzz_strategies` (built from the input
message's descriptor); callers are real customers, agents and admins most of the time, otherwise
anonymous or carrying a forged token. Every answer must be a deliberate status: never UNKNOWN,
INTERNAL or DATA_LOSS, never a dropped connection or a hang, and the server (running in this
process) must log no error. Afterwards the server must still be healthy and no database row may
break an invariant. Oversized requests and malformed JSON through Envoy are checked here too.

`make fuzz` explores much further than CI does (HELPDESK_FUZZ_EXAMPLES=250 per RPC, fresh random
draws: over 11,000 calls); `HELPDESK_FUZZ_EXAMPLES=500 HELPDESK_FUZZ_RANDOM=1 pytest tests/reliability/test_fuzz.py
-k fuzzed --timeout 0` goes further still.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import os
import pkgutil
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
from google.protobuf import json_format, text_format, timestamp_pb2
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import text

import helpdesk.v1
from helpdesk.v1 import (
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
)
from server.app import HelpdeskApp, open_database
from server.auth.domain import INVALID_CREDENTIALS
from server.core.context import Role
from server.core.errors import Unauthenticated
from server.settings import Settings
from tests.gateway.wire import http_request
from tests.reliability import fuzz_strategies as fs
from tests.support import bad_fields, local_gateway_options, running_gateway, unique_email

# Examples per RPC. Deterministic (derandomize=True below): CI runs the same requests every time,
# so a red build is reproducible and never a fluke of one random draw; exploring further is a
# matter of raising HELPDESK_FUZZ_EXAMPLES (or HELPDESK_FUZZ_RANDOM=1 for fresh draws) locally.
EXAMPLES_PER_RPC = int(os.environ.get("HELPDESK_FUZZ_EXAMPLES", "15"))
# A unary call slower than this is a hang, not an answer (generous: two shared cores).
CALL_TIMEOUT = 20.0
# How long a stream gets to say something (its first event or its error) before it is cancelled.
STREAM_WAIT = 3.0
# Answers that are never a deliberate decision of the server: a crash, an escaped exception, a hang,
# a dropped connection (PostgreSQL and Redis are up throughout, so UNAVAILABLE means one), or an
# RPC of the contract the server does not serve.
NOT_DELIBERATE = {
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.DATA_LOSS,
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.UNIMPLEMENTED,
    grpc.StatusCode.DEADLINE_EXCEEDED,
}
# Loggers of the server's own code: an ERROR from any of them is a failure nobody chose.
_SERVER_LOGGERS = ("helpdesk", "server", "storage")
# What grpc's asyncio client reports when its write races with the server ending the call.
_CLIENT_WRITE_RACE = "Internal error from Core"
# Fuzzed calls sent per RPC, for the closing figures.
SENT: Counter[str] = Counter()
# Statuses seen per RPC: a fuzzer that only ever hears INVALID_ARGUMENT explores nothing.
OUTCOMES: dict[str, Counter[str]] = {}

FUZZ_SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES_PER_RPC,
    deadline=None,
    derandomize=os.environ.get("HELPDESK_FUZZ_RANDOM") != "1",
    # No example database: CI must not depend on (or write) state left by an earlier run.
    database=None,
    # No shrinking: each call changes the live server's state, so a "smaller" replay is not the
    # same experiment; the failure message carries the full original request instead.
    phases=(Phase.explicit, Phase.generate),
    # The per-test fixtures (fresh objects, fresh sessions) are meant to be shared by the examples
    # of one RPC; requests are large by design; every example is a network round trip.
    suppress_health_check=(
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.too_slow,
        HealthCheck.large_base_example,
    ),
)


def contract_methods() -> list[tuple[ServiceDescriptor, MethodDescriptor]]:
    """Every RPC of every service declared in the helpdesk.v1 package, from the generated descriptors."""
    found: dict[str, tuple[ServiceDescriptor, MethodDescriptor]] = {}
    for module_info in pkgutil.iter_modules(helpdesk.v1.__path__):
        if not module_info.name.endswith("_pb2"):
            continue
        module = importlib.import_module(f"helpdesk.v1.{module_info.name}")
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                found[method.full_name] = (service, method)
    return [found[name] for name in sorted(found)]


METHODS = contract_methods()


# --- the world the fuzzer plays in --------------------------------------------------------------


@dataclass
class World:
    """The server under test, a channel to it, signed-in callers and real objects to aim at."""

    app: HelpdeskApp
    channel: grpc.aio.Channel
    jwt: fs.JwtSettings
    corpus: fs.Corpus
    # Current access token of each role's caller; renewed when a fuzzed call ends its session.
    tokens: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    # The callers' latest seeded objects: the customer's ticket and chat, the agent's article.
    objects: dict[str, str] = field(default_factory=dict)

    def metadata(self, role: str) -> tuple[tuple[str, str], ...]:
        """Call metadata for the role's current session."""
        return (("authorization", f"Bearer {self.tokens[role]}"),)

    async def new_callers(self) -> None:
        """A fresh caller of each role, signed in: the callers of one RPC's examples.

        The fuzzed ChangePassword calls are failed sign-ins of their caller's own account (wrong
        current passwords), and enough of them lock the account for the limiter's window. Fresh
        accounts per RPC keep that budget apart from the next RPC's sign-ins (the limiter itself
        is untouched; a locked account is a deliberate RESOURCE_EXHAUSTED for the rest of its RPC).
        """
        for role in (Role.CUSTOMER, Role.AGENT, Role.ADMIN):
            email = unique_email(f"fuzz-{role.value}")
            user = await self.app.users.create_user(
                email=email,
                password=_PASSWORD,
                display_name=f"Fuzz {role.value}",
                role=role,
                active=True,
                request_id=None,
            )
            self.emails[role.value] = email
            self.corpus.principal_ids.append(str(user.id))
            await self.sign_in(role.value)

    async def sign_in(self, role: str) -> None:
        """A fresh session for the role's caller (a fuzzed Logout or deactivation may have ended it).

        Signs in through the domain with its own client address so that the fuzzed Login calls,
        which fail a lot from 127.0.0.1, cannot lock the callers out through the per-address limit.
        """
        result = await self.app.auth.login(
            email=self.emails[role], password=_PASSWORD, client_ip="192.0.2.1", user_agent="fuzz-callers"
        )
        self.tokens[role] = result.access_token


_PASSWORD = "fuzz callers pass 1"


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """The module's settings with quick chat heartbeats, so that an idle stream answers within STREAM_WAIT."""
    return settings.replace(chat_heartbeat_seconds=0.5)


@pytest.fixture(scope="module")
async def channel(app: HelpdeskApp) -> AsyncIterator[grpc.aio.Channel]:
    """A native channel to the module's server."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as chan:
        yield chan


@pytest.fixture(scope="module")
async def world(app: HelpdeskApp, channel: grpc.aio.Channel) -> World:
    """Callers of every role and a first set of real objects (users, tickets, chats, articles)."""
    jwt = fs.JwtSettings(
        secret=app.settings.jwt_secret, issuer=app.settings.jwt_issuer, audience=app.settings.jwt_audience
    )
    world = World(app=app, channel=channel, jwt=jwt, corpus=fs.Corpus())
    await world.new_callers()
    # Bystanders: the fuzzed calls may aim at (and modify) them, never at the callers themselves, so
    # that the callers keep their roles and sessions for the whole run.
    auth = auth_service_pb2_grpc.AuthServiceStub(channel)
    bystander_email = unique_email("fuzz-bystander")
    registered = await auth.Register(
        auth_service_pb2.RegisterRequest(email=bystander_email, password=_PASSWORD, display_name="Bystander")
    )
    world.corpus.ids.append(registered.user.id)
    world.corpus.emails.append(bystander_email)
    world.corpus.refresh_tokens.append(registered.refresh_token)
    other_agent = await app.users.create_user(
        email=unique_email("fuzz-agent2"),
        password=_PASSWORD,
        display_name="Second agent",
        role=Role.AGENT,
        active=True,
        request_id=None,
    )
    world.corpus.ids.append(str(other_agent.id))
    world.corpus.emails.append(other_agent.email)
    bystander = (("authorization", f"Bearer {registered.access_token}"),)
    tickets = ticket_service_pb2_grpc.TicketServiceStub(channel)
    ticket = await tickets.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(subject="Bystander's ticket", description="Not yours")
        ),
        metadata=bystander,
    )
    world.corpus.ids.append(ticket.id)
    chats = chat_service_pb2_grpc.ChatServiceStub(channel)
    chat = await chats.StartChat(
        chat_service_pb2.StartChatRequest(topic="Bystander", message="Hello?"), metadata=bystander
    )
    world.corpus.ids.append(chat.chat.id)
    await seed_objects(world)
    await collect_page_tokens(world)
    return world


async def seed_objects(world: World) -> None:
    """Real objects of the callers: a ticket with a message, a published article, an accepted chat."""
    customer, agent = world.metadata("customer"), world.metadata("agent")
    tickets = ticket_service_pb2_grpc.TicketServiceStub(world.channel)
    ticket = await tickets.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(
                subject="Cannot sign in",
                description="Since this morning",
                priority=ticket_pb2.TICKET_PRIORITY_HIGH,
                tags=["login"],
            ),
            request_id=str(uuid.uuid4()),
        ),
        metadata=customer,
    )
    message = await tickets.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="Any news?"), metadata=customer
    )
    knowledge = knowledge_service_pb2_grpc.KnowledgeServiceStub(world.channel)
    article = await knowledge.CreateArticle(
        knowledge_service_pb2.CreateArticleRequest(
            article=article_pb2.Article(
                title=f"Resetting a password {uuid.uuid4().hex[:6]}",
                body="Open settings, choose security.",
                category="accounts",
                tags=["password"],
            )
        ),
        metadata=agent,
    )
    published = await knowledge.PublishArticle(
        knowledge_service_pb2.PublishArticleRequest(id=article.id, etag=article.etag), metadata=agent
    )
    chats = chat_service_pb2_grpc.ChatServiceStub(world.channel)
    # Returns the caller's open chat when one exists (an earlier RPC's examples may have left one).
    chat = await chats.StartChat(chat_service_pb2.StartChatRequest(topic="Billing", message="Hi"), metadata=customer)
    world.corpus.ids += [ticket.id, message.id, article.id, article.slug, chat.chat.id]
    world.objects.update(ticket=ticket.id, chat=chat.chat.id, article=article.id)
    world.corpus.etags += [ticket.etag, published.etag]


async def collect_page_tokens(world: World) -> None:
    """Real page tokens: every List method called with page_size=1 by each role."""
    for service, method in METHODS:
        fields = method.input_type.fields_by_name
        if method.server_streaming or "page_token" not in fields or "page_size" not in fields:
            continue
        call = _unary(world.channel, service, method)
        request = fs.message_class(method.input_type)(page_size=1)
        for role in world.tokens:
            with contextlib.suppress(grpc.aio.AioRpcError):
                response = await call(request, metadata=world.metadata(role), timeout=CALL_TIMEOUT)
                token = getattr(response, "next_page_token", "")
                if token:
                    world.corpus.page_tokens.append(token)


@pytest.fixture
async def corpus(world: World) -> fs.Corpus:
    """Fresh callers and objects for one RPC's examples (earlier RPCs may have deleted or ended them)."""
    await world.new_callers()
    await seed_objects(world)
    return world.corpus


# --- calling any RPC by its descriptor -----------------------------------------------------------


def _serialize(message: Message) -> bytes:
    return message.SerializeToString()


def _path(service: ServiceDescriptor, method: MethodDescriptor) -> str:
    return f"/{service.full_name}/{method.name}"


def _unary(channel: grpc.aio.Channel, service: ServiceDescriptor, method: MethodDescriptor) -> Any:
    return channel.unary_unary(
        _path(service, method),
        request_serializer=_serialize,
        response_deserializer=fs.message_class(method.output_type).FromString,
    )


@dataclass
class Outcome:
    """What one fuzzed call got: a status (OK for an answer or a stream still open) and its text."""

    code: grpc.StatusCode
    details: str = ""
    # The server ended a client stream while a write was in flight, and grpc's asyncio client then
    # replaced the server's status with its own INTERNAL "Internal error from Core" (grpc/grpc#36066).
    # The status says nothing about the server here; its logs still do (see the test).
    masked: bool = False


async def call_rpc(
    channel: grpc.aio.Channel,
    service: ServiceDescriptor,
    method: MethodDescriptor,
    requests: list[Message],
    metadata: tuple[tuple[str, str], ...],
) -> Outcome:
    """Sends `requests` (one unless the client streams); a stream is read once and cancelled."""
    decode = fs.message_class(method.output_type).FromString
    path = _path(service, method)
    if not method.server_streaming and not method.client_streaming:
        call = channel.unary_unary(path, request_serializer=_serialize, response_deserializer=decode)
        try:
            await call(requests[0], metadata=metadata, timeout=CALL_TIMEOUT)
        except grpc.aio.AioRpcError as error:
            return Outcome(error.code(), error.details() or "")
        return Outcome(grpc.StatusCode.OK)
    if method.client_streaming:
        bidi = channel.stream_stream(path, request_serializer=_serialize, response_deserializer=decode)
        return await _converse(bidi(metadata=metadata), requests)
    server_stream = channel.unary_stream(path, request_serializer=_serialize, response_deserializer=decode)
    return await _converse(server_stream(requests[0], metadata=metadata), [])


async def _converse(stream: Any, requests: list[Message]) -> Outcome:
    """Writes each request (bidi) and gives the server a moment to answer it; stops at its first error.

    Writing only while the call is open and reading after each write keeps most writes out of a
    stream the server already closed; the few that still race with its close are marked `masked`.
    """
    reading: asyncio.Future[Any] | None = None
    write_failed = False

    def settle(code: grpc.StatusCode, details: str | None) -> Outcome:
        masked = write_failed and code is grpc.StatusCode.INTERNAL and details == _CLIENT_WRITE_RACE
        return Outcome(code, details or "", masked=masked)

    try:
        for index in range(max(len(requests), 1)):
            if requests:
                if stream.done():
                    break
                try:
                    await stream.write(requests[index])
                except (grpc.aio.AioRpcError, grpc.aio.UsageError, asyncio.InvalidStateError):
                    write_failed = True
                    break
            last = index == len(requests) - 1 or not requests
            if reading is None:
                reading = asyncio.ensure_future(stream.read())
            done, _ = await asyncio.wait({reading}, timeout=STREAM_WAIT if last else 0.2)
            if not done:
                continue
            try:
                event = reading.result()
            except grpc.aio.AioRpcError as error:
                return settle(error.code(), error.details())
            if event is grpc.aio.EOF:
                break
            reading = None
        if stream.done():
            return settle(await stream.code(), await stream.details())
        # Open: answering, or quiet (nothing to replay yet), both legitimate for a live stream.
        return Outcome(grpc.StatusCode.OK, "stream open")
    finally:
        stream.cancel()
        if reading is not None:
            with contextlib.suppress(asyncio.CancelledError, grpc.aio.AioRpcError):
                await reading


def _show(message: Message) -> str:
    shown = text_format.MessageToString(message, as_utf8=True)
    return shown if len(shown) < 1500 else f"{shown[:1500]}... ({len(shown)} chars)"


# --- the fuzz test -------------------------------------------------------------------------------


@pytest.mark.parametrize(("service", "method"), METHODS, ids=[m.full_name for _, m in METHODS])
@FUZZ_SETTINGS
@given(data=st.data())
async def test_every_rpc_answers_fuzzed_requests_deliberately(
    world: World,
    corpus: fs.Corpus,
    service: ServiceDescriptor,
    method: MethodDescriptor,
    caplog: pytest.LogCaptureFixture,
    data: st.DataObject,
) -> None:
    """Random requests from random callers: every answer is a status the server chose.

    Two oracles: the status the client sees, and the server's own error log (the server runs in
    this process), which also covers calls whose status the client could not observe.
    """
    caller = data.draw(fs.callers(world.jwt, corpus), label="caller")
    request_strategy = fs.requests(method, corpus)
    if method.client_streaming:
        requests = data.draw(st.lists(request_strategy, min_size=1, max_size=4), label="requests")
    else:
        requests = [data.draw(request_strategy, label="request")]
    if caller.role is not None:
        metadata = world.metadata(caller.role)
    elif caller.authorization is not None:
        metadata = (("authorization", caller.authorization),)
    else:
        metadata = ()

    outcome = await call_rpc(world.channel, service, method, requests, metadata)
    SENT[method.full_name] += 1
    OUTCOMES.setdefault(method.full_name, Counter())[outcome.code.name + (" (masked)" if outcome.masked else "")] += 1

    shown = "\n---\n".join(_show(r) for r in requests)
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith(_SERVER_LOGGERS)]
    assert not failures, (
        f"{method.full_name} ({caller.describe()}): the server logged {failures[0].getMessage()}\n{shown}"
    )
    if not outcome.masked:
        assert outcome.code not in NOT_DELIBERATE, (
            f"{method.full_name} ({caller.describe()}) answered {outcome.code.name}: {outcome.details}\n{shown}"
        )
    if caller.role is not None and outcome.code is grpc.StatusCode.UNAUTHENTICATED:
        # The call itself ended the session (Logout, a deactivation): sign in again for the next one.
        await world.sign_in(caller.role)


# --- regressions found by the fuzzer -------------------------------------------------------------


# (service, rpc, caller, request fields with {ticket}/{chat}/{article} placeholders, field named).
NUL_CASES: list[tuple[str, str, str, dict[str, Any], str]] = [
    ("KnowledgeService", "ListArticles", "customer", {"category": "a\x00"}, "category"),
    ("KnowledgeService", "ListArticles", "customer", {"tag": "a\x00"}, "tag"),
    ("KnowledgeService", "SearchArticles", "customer", {"query": "password", "category": "a\x00"}, "category"),
    ("KnowledgeService", "SearchArticles", "customer", {"query": "password", "tag": "a\x00"}, "tag"),
    ("TicketService", "ListTickets", "agent", {"query": "a\x00b"}, "query"),
    ("TicketService", "ListTickets", "agent", {"category": "a\x00"}, "category"),
    (
        "TicketService",
        "CreateTicket",
        "customer",
        {"ticket": {"subject": "a\x00", "description": "d"}},
        "ticket.subject",
    ),
    (
        "TicketService",
        "CreateTicket",
        "customer",
        {"ticket": {"subject": "s", "description": "d", "category": "a\x00"}},
        "ticket.category",
    ),
    ("TicketService", "AssignTicket", "agent", {"id": "{ticket}", "assignee_id": "", "comment": "a\x00"}, "comment"),
    ("TicketService", "ChangeTicketStatus", "agent", {"id": "{ticket}", "status": 2, "comment": "a\x00"}, "comment"),
    ("UserService", "ListUsers", "admin", {"query": "a\x00"}, "query"),
    ("ChatService", "StartChat", "customer", {"topic": "a\x00"}, "topic"),
    ("ChatService", "StartChat", "customer", {"topic": "t", "message": "a\x00"}, "message"),
    ("ChatService", "SendChatMessage", "customer", {"chat_id": "{chat}", "body": "a\x00"}, "body"),
    ("ChatService", "RateChat", "customer", {"id": "{chat}", "rating": 5, "feedback": "a\x00"}, "feedback"),
]


def _fill(values: dict[str, Any], objects: dict[str, str]) -> dict[str, Any]:
    return {
        key: _fill(value, objects)
        if isinstance(value, dict)
        else value.format(**objects)
        if "{" in str(value)
        else value
        for key, value in values.items()
    }


@pytest.mark.parametrize(
    ("service_name", "rpc", "role", "fields", "bad_field"), NUL_CASES, ids=[f"{c[1]}-{c[4]}" for c in NUL_CASES]
)
async def test_nul_in_text_is_invalid_argument(
    world: World, service_name: str, rpc: str, role: str, fields: dict[str, Any], bad_field: str
) -> None:
    """A NUL in these fields used to reach PostgreSQL (which refuses it) and come back INTERNAL."""
    service, method = next((s, m) for s, m in METHODS if s.name == service_name and m.name == rpc)
    request = fs.message_class(method.input_type)()
    json_format.ParseDict(_fill(fields, world.objects), request)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await _unary(world.channel, service, method)(request, metadata=world.metadata(role), timeout=CALL_TIMEOUT)
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT, raised.value.details()
    assert bad_fields(raised.value) == {bad_field}


@pytest.mark.parametrize("bound", ["create_time_start", "create_time_end"])
@pytest.mark.parametrize(
    ("seconds", "nanos"),
    [(253_402_300_800, 0), (-62_135_596_801, 0), (2**63 - 1, 0), (0, -1), (0, 1_000_000_000)],
    ids=["after-9999", "before-0001", "int64-max", "negative-nanos", "nanos-overflow"],
)
async def test_out_of_range_ticket_time_filter_is_invalid_argument(
    world: World, bound: str, seconds: int, nanos: int
) -> None:
    """A Timestamp filter outside the valid range used to escape as a ValueError and come back INTERNAL."""
    tickets = ticket_service_pb2_grpc.TicketServiceStub(world.channel)
    request = ticket_service_pb2.ListTicketsRequest()
    getattr(request, bound).CopyFrom(timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await tickets.ListTickets(request, metadata=world.metadata("agent"), timeout=CALL_TIMEOUT)
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(raised.value) == {bound}


async def test_login_with_a_nul_in_the_email_is_unauthenticated(world: World) -> None:
    """A NUL in the sign-in email used to reach PostgreSQL (which refuses it) and come back INTERNAL.

    Signs in through the domain from an address of its own: the fuzzed Login calls before it may
    have used up 127.0.0.1's failed sign-in budget, and RESOURCE_EXHAUSTED would hide the answer.
    """
    with pytest.raises(Unauthenticated) as raised:
        await world.app.auth.login(
            email=f"{world.emails['agent']}\x00", password=_PASSWORD, client_ip="192.0.2.99", user_agent="fuzz"
        )
    # The same answer as for any unknown email: nothing tells the caller which emails exist.
    assert str(raised.value) == INVALID_CREDENTIALS


# --- limits and the gateway ----------------------------------------------------------------------


async def test_request_over_the_receive_limit_is_resource_exhausted(world: World, app: HelpdeskApp) -> None:
    """A request bigger than the configured max receive size is refused, and the server carries on."""
    tickets = ticket_service_pb2_grpc.TicketServiceStub(world.channel)
    oversized = ticket_service_pb2.CreateTicketRequest(
        ticket=ticket_pb2.Ticket(subject="Big", description="x" * (app.settings.max_message_bytes + 1024))
    )
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await tickets.CreateTicket(oversized, metadata=world.metadata("customer"), timeout=CALL_TIMEOUT)
    assert raised.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED

    normal = await tickets.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(ticket=ticket_pb2.Ticket(subject="Small", description="fine")),
        metadata=world.metadata("customer"),
        timeout=CALL_TIMEOUT,
    )
    assert normal.subject == "Small"


@pytest.fixture(scope="module")
async def gateway(app: HelpdeskApp, repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """Base URL of a real Envoy in front of the module's server."""
    assert app.port is not None
    descriptor = repo_root / "clients" / "descriptors" / "helpdesk.binpb"
    options = local_gateway_options(app.port, descriptor_path=descriptor)
    async with running_gateway(tmp_path_factory.mktemp("fuzz-envoy"), options) as envoy:
        yield envoy.url


async def _post(gateway: str, path: str, body: bytes, token: str | None = None) -> Any:
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    return await asyncio.to_thread(http_request, "POST", gateway + path, body=body, headers=headers)


@pytest.mark.parametrize(
    "body",
    [
        b'{"email": "a@example.com", "password": ',
        b"{'email': 'single quotes'}",
        b"not json at all",
        b'{"email": "a@example.com"}}',
        b"\xff\xfe\x00garbage",
    ],
    ids=["truncated", "single-quotes", "not-json", "trailing-brace", "binary"],
)
async def test_malformed_json_through_the_gateway_is_400(gateway: str, world: World, body: bytes) -> None:
    """Envoy's transcoder refuses a body that is not JSON with 400; the server keeps serving behind it."""
    response = await _post(gateway, "/v1/auth:login", body)
    assert response.status == 400, response.body

    me = await asyncio.to_thread(
        http_request, "GET", gateway + "/v1/users/me", headers={"authorization": f"Bearer {world.tokens['agent']}"}
    )
    assert me.status == 200, me.body
    assert me.json()["email"] == world.emails["agent"]


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/v1/auth:login", {"email": 12, "password": ["not", "a", "string"]}),
        ("/v1/auth:register", {"email": {"nested": True}, "password": "long enough 1"}),
        ("/v1/tickets", {"subject": "ok", "description": "ok", "priority": "NOT_A_PRIORITY"}),
        ("/v1/tickets", {"subject": "ok", "description": "ok", "tags": "not-a-list", "number": "abc"}),
        ("/v1/tickets", {"subject": "ok", "description": "ok", "number": 1e40}),
    ],
    ids=["login-numbers", "register-object", "unknown-enum-name", "string-for-list", "int-overflow"],
)
async def test_wrongly_typed_json_through_the_gateway_is_400(
    gateway: str, world: World, path: str, payload: dict[str, Any]
) -> None:
    """A JSON body with values of the wrong type never reaches the handlers: 400 from the transcoder."""
    response = await _post(gateway, path, json.dumps(payload).encode(), world.tokens["customer"])
    assert response.status == 400, response.body


# --- after the storm -----------------------------------------------------------------------------

# Each query returns the rows breaking one invariant; all must come back empty.
INVARIANTS: dict[str, str] = {
    "users have a normalised, non-empty email": (
        "SELECT id, email FROM users WHERE email = '' OR email <> lower(btrim(email)) OR position('@' in email) = 0"
    ),
    "users have a display name and a known role": (
        "SELECT id FROM users WHERE btrim(display_name) = '' OR role NOT IN ('customer', 'agent', 'admin')"
    ),
    "user emails are unique ignoring case": "SELECT lower(email) FROM users GROUP BY lower(email) HAVING count(*) > 1",
    "tickets reference existing users": (
        "SELECT t.id FROM tickets t LEFT JOIN users u ON u.id = t.customer_id WHERE u.id IS NULL"
        " UNION ALL SELECT t.id FROM tickets t LEFT JOIN users u ON u.id = t.assignee_id"
        " WHERE t.assignee_id IS NOT NULL AND u.id IS NULL"
    ),
    "ticket numbers are unique": "SELECT number FROM tickets GROUP BY number HAVING count(*) > 1",
    "ticket status and priority are in range": (
        "SELECT id FROM tickets WHERE priority NOT BETWEEN 1 AND 4"
        " OR status NOT IN ('open', 'in_progress', 'waiting_on_customer', 'resolved', 'closed')"
    ),
    "ticket subjects are not blank": "SELECT id FROM tickets WHERE btrim(subject) = '' OR btrim(description) = ''",
    "ticket message counts match the messages": (
        "SELECT t.id FROM tickets t LEFT JOIN ticket_messages m ON m.ticket_id = t.id"
        " GROUP BY t.id, t.message_count, t.public_message_count"
        " HAVING t.message_count <> count(m.id) OR t.public_message_count <> count(m.id) FILTER (WHERE NOT m.internal)"
    ),
    "resolved and closed tickets carry their timestamps": (
        "SELECT id FROM tickets WHERE (status = 'resolved' AND resolve_time IS NULL)"
        " OR (status = 'closed' AND close_time IS NULL)"
    ),
    "customers never write internal notes": (
        "SELECT id FROM ticket_messages WHERE internal AND author_role = 'customer'"
    ),
    "ticket messages are not blank": "SELECT id FROM ticket_messages WHERE btrim(body) = ''",
    "articles have a non-empty slug, unique": (
        "SELECT id::text FROM articles WHERE slug = '' OR slug IS NULL"
        " UNION ALL SELECT slug FROM articles GROUP BY slug HAVING count(*) > 1"
    ),
    "published articles have a publish time": (
        "SELECT id FROM articles WHERE state = 'published' AND publish_time IS NULL"
    ),
    "article vote counters match the votes": (
        "SELECT a.id FROM articles a LEFT JOIN article_votes v ON v.article_id = a.id"
        " GROUP BY a.id, a.helpful_count, a.not_helpful_count"
        " HAVING a.helpful_count <> count(v.user_id) FILTER (WHERE v.helpful)"
        " OR a.not_helpful_count <> count(v.user_id) FILTER (WHERE NOT v.helpful)"
    ),
    "chat message seqs are unique per chat": (
        "SELECT chat_id, seq FROM chat_messages GROUP BY chat_id, seq HAVING count(*) > 1"
    ),
    "chat seqs run 1..last_seq without gaps": (
        "SELECT c.id FROM chats c LEFT JOIN chat_messages m ON m.chat_id = c.id"
        " GROUP BY c.id, c.last_seq HAVING count(m.id) <> c.last_seq OR coalesce(max(m.seq), 0) <> c.last_seq"
    ),
    "a customer has at most one open chat": (
        "SELECT customer_id FROM chats WHERE status IN ('waiting', 'active') GROUP BY customer_id HAVING count(*) > 1"
    ),
    "chat ratings are 1-5 on ended chats only": (
        "SELECT id FROM chats WHERE rating IS NOT NULL AND (rating NOT BETWEEN 1 AND 5 OR status <> 'ended')"
    ),
    "chat messages are sent by the chat's participants": (
        "SELECT m.id FROM chat_messages m JOIN chats c ON c.id = m.chat_id"
        " JOIN users u ON u.id = m.sender_id WHERE m.sender_id <> c.customer_id AND u.role = 'customer'"
    ),
}


async def test_server_is_healthy_and_data_consistent_after_fuzzing(
    world: World, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """After every fuzzed call: health SERVING, a normal call works, no row breaks an invariant."""
    health = health_pb2_grpc.HealthStub(world.channel)
    for service in ("", *sorted({s.full_name for s, _ in METHODS})):
        answer = await health.Check(health_pb2.HealthCheckRequest(service=service), timeout=CALL_TIMEOUT)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING, service

    await world.sign_in("customer")
    auth = auth_service_pb2_grpc.AuthServiceStub(world.channel)
    me = await auth.GetCurrentUser(
        auth_service_pb2.GetCurrentUserRequest(), metadata=world.metadata("customer"), timeout=CALL_TIMEOUT
    )
    assert me.email == world.emails["customer"]

    database = open_database(settings)
    try:
        async with database.engine.connect() as connection:
            broken = {}
            for name, query in INVARIANTS.items():
                rows = (await connection.execute(text(query))).fetchall()
                if rows:
                    broken[name] = rows[:5]
            totals = {
                table: (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()  # noqa: S608
                for table in ("users", "tickets", "ticket_messages", "articles", "chats", "chat_messages")
            }
    finally:
        await database.dispose()
    assert not broken, broken

    with capsys.disabled():
        print(
            f"\nfuzz: {sum(SENT.values())} examples over {len(SENT)} of {len(METHODS)} RPCs; rows afterwards: {totals}"
        )
        for name, seen in sorted(OUTCOMES.items()):
            print(f"  {name}: {dict(seen.most_common())}")

"""One RPC of every service through a real Envoy, in each protocol it speaks: native gRPC, gRPC-Web
(binary and text) and JSON; JSON error mapping; CORS; the edge rate limit; round robin over replicas.

The servers run in this test's event loop, so every blocking HTTP call goes through a thread.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from devstack.envoy import EmbeddedEnvoy
from helpdesk.client import HelpdeskClient
from helpdesk.v1 import (
    auth_service_pb2,
    chat_service_pb2,
    knowledge_service_pb2,
    ticket_pb2,
    ticket_service_pb2,
    user_pb2,
    user_service_pb2,
)
from server.app import HelpdeskApp
from server.core.context import Role
from server.gateway import GatewayOptions
from tests.gateway.wire import HttpResponse, grpc_web_call, http_request

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
PROTOCOLS = ("grpc", "grpc-web", "grpc-web-text", "json")


@dataclass(frozen=True)
class Accounts:
    """Signed-in users of the module's server, by role: (user id, email, access token)."""

    customer: tuple[str, str, str]
    agent: tuple[str, str, str]
    admin: tuple[str, str, str]


async def _signed_in(app: HelpdeskApp, role: Role) -> tuple[str, str, str]:
    email = f"{role.value}-{uuid.uuid4().hex[:10]}@example.com"
    await app.users.create_user(
        email=email, password=PASSWORD, display_name=f"Gateway {role.value}", role=role, active=True, request_id=None
    )
    async with HelpdeskClient(f"127.0.0.1:{app.port}") as client:
        user = await client.sign_in(email, PASSWORD)
        assert client.session.tokens is not None
        return user.id, email, client.session.tokens.access_token


@pytest.fixture(scope="module")
async def accounts(app: HelpdeskApp) -> Accounts:
    """A customer, an agent and an admin."""
    return Accounts(
        customer=await _signed_in(app, Role.CUSTOMER),
        agent=await _signed_in(app, Role.AGENT),
        admin=await _signed_in(app, Role.ADMIN),
    )


@dataclass(frozen=True)
class Case:
    """One RPC, callable in every protocol: the gRPC method, its request, and its JSON route."""

    method: str
    request: Callable[[Accounts], Message]
    response: type[Message]
    token: Callable[[Accounts], str | None]
    http: Callable[[Accounts], tuple[str, str, dict[str, Any] | None]]
    check: Callable[[dict[str, Any], Accounts], None]


def _check_login(body: dict[str, Any], accounts: Accounts) -> None:
    assert body["accessToken"]
    assert body["user"]["email"] == accounts.customer[1]


def _check_user(body: dict[str, Any], accounts: Accounts) -> None:
    assert body["email"] == accounts.agent[1]


def _check_ticket(body: dict[str, Any], accounts: Accounts) -> None:
    assert body["subject"] == "Printer on fire"
    assert body["customerId"] == accounts.customer[0]
    assert body["priority"] == "TICKET_PRIORITY_HIGH"


def _check_categories(body: dict[str, Any], accounts: Accounts) -> None:
    assert isinstance(body.get("categories", []), list)


def _check_chats(body: dict[str, Any], accounts: Accounts) -> None:
    assert isinstance(body.get("chats", []), list)


CASES = {
    "AuthService.Login": Case(
        method="/helpdesk.v1.AuthService/Login",
        request=lambda a: auth_service_pb2.LoginRequest(email=a.customer[1], password=PASSWORD),
        response=auth_service_pb2.LoginResponse,
        token=lambda a: None,
        http=lambda a: ("POST", "/v1/auth:login", {"email": a.customer[1], "password": PASSWORD}),
        check=_check_login,
    ),
    "UserService.GetUser": Case(
        method="/helpdesk.v1.UserService/GetUser",
        request=lambda a: user_service_pb2.GetUserRequest(id=a.agent[0]),
        response=user_pb2.User,
        token=lambda a: a.admin[2],
        http=lambda a: ("GET", f"/v1/users/{a.agent[0]}", None),
        check=_check_user,
    ),
    "TicketService.CreateTicket": Case(
        method="/helpdesk.v1.TicketService/CreateTicket",
        request=lambda a: ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(
                subject="Printer on fire", description="Smoke everywhere.", priority=ticket_pb2.TICKET_PRIORITY_HIGH
            )
        ),
        response=ticket_pb2.Ticket,
        token=lambda a: a.customer[2],
        http=lambda a: (
            "POST",
            "/v1/tickets",
            {"subject": "Printer on fire", "description": "Smoke everywhere.", "priority": "TICKET_PRIORITY_HIGH"},
        ),
        check=_check_ticket,
    ),
    "KnowledgeService.ListCategories": Case(
        method="/helpdesk.v1.KnowledgeService/ListCategories",
        request=lambda a: knowledge_service_pb2.ListCategoriesRequest(),
        response=knowledge_service_pb2.ListCategoriesResponse,
        token=lambda a: None,
        http=lambda a: ("GET", "/v1/categories", None),
        check=_check_categories,
    ),
    "ChatService.ListChats": Case(
        method="/helpdesk.v1.ChatService/ListChats",
        request=lambda a: chat_service_pb2.ListChatsRequest(),
        response=chat_service_pb2.ListChatsResponse,
        token=lambda a: a.customer[2],
        http=lambda a: ("GET", "/v1/chats", None),
        check=_check_chats,
    ),
}


def _as_json(message: Message) -> dict[str, Any]:
    return MessageToDict(message, always_print_fields_with_no_presence=True)


async def _call(protocol: str, gateway: str, case: Case, accounts: Accounts) -> dict[str, Any]:
    """Calls `case` through the gateway in `protocol`; returns the answer in proto3 JSON form."""
    token = case.token(accounts)
    headers = {"authorization": f"Bearer {token}"} if token else {}
    request = case.request(accounts)
    if protocol == "grpc":
        async with grpc.aio.insecure_channel(urllib.parse.urlsplit(gateway).netloc) as channel:
            call = channel.unary_unary(
                case.method,
                request_serializer=type(request).SerializeToString,
                response_deserializer=case.response.FromString,
            )
            answer = await call(request, metadata=tuple(headers.items()), timeout=10)
        return _as_json(answer)
    if protocol in ("grpc-web", "grpc-web-text"):
        result = await asyncio.to_thread(
            grpc_web_call, gateway, case.method, request, text=protocol == "grpc-web-text", headers=headers
        )
        assert result.http_status == 200
        assert result.grpc_status == 0, result.grpc_message
        return _as_json(result.message(case.response))
    verb, path, body = case.http(accounts)
    response = await asyncio.to_thread(http_request, verb, gateway + path, body=body, headers=headers)
    assert response.status == 200, response.body
    assert response.headers["content-type"].startswith("application/json")
    parsed: dict[str, Any] = response.json()
    return parsed


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("rpc", list(CASES))
async def test_one_rpc_of_every_service_in_every_protocol(
    gateway: str, accounts: Accounts, rpc: str, protocol: str
) -> None:
    case = CASES[rpc]

    body = await _call(protocol, gateway, case, accounts)

    case.check(body, accounts)


async def _json(gateway: str, verb: str, path: str, *, token: str | None = None, body: Any = None) -> HttpResponse:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await asyncio.to_thread(http_request, verb, gateway + path, body=body, headers=headers)


async def test_json_bad_ticket_is_400_with_bad_request_details(gateway: str, accounts: Accounts) -> None:
    response = await _json(gateway, "POST", "/v1/tickets", token=accounts.customer[2], body={"subject": ""})

    assert response.status == 400, response.body
    body = response.json()
    assert body["code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    details = {d["@type"]: d for d in body["details"]}
    bad_request = details["type.googleapis.com/google.rpc.BadRequest"]
    assert any(v["field"].startswith("ticket.") for v in bad_request["fieldViolations"]), bad_request
    assert details["type.googleapis.com/google.rpc.ErrorInfo"]["domain"] == "helpdesk.v1"


async def test_json_maps_401_403_404(gateway: str, accounts: Accounts) -> None:
    anonymous = await _json(gateway, "GET", "/v1/chats")
    assert anonymous.status == 401, anonymous.body
    assert anonymous.json()["code"] == grpc.StatusCode.UNAUTHENTICATED.value[0]

    customer_lists_users = await _json(gateway, "GET", "/v1/users", token=accounts.customer[2])
    assert customer_lists_users.status == 403, customer_lists_users.body
    assert customer_lists_users.json()["code"] == grpc.StatusCode.PERMISSION_DENIED.value[0]

    missing = await _json(gateway, "GET", f"/v1/tickets/{uuid.uuid4()}", token=accounts.agent[2])
    assert missing.status == 404, missing.body
    assert missing.json()["code"] == grpc.StatusCode.NOT_FOUND.value[0]


@pytest.mark.parametrize("path", ["/helpdesk.v1.TicketService/CreateTicket", "/v1/tickets"])
async def test_cors_preflight_from_allowed_and_disallowed_origins(gateway: str, allowed_origin: str, path: str) -> None:
    def preflight(origin: str) -> HttpResponse:
        return http_request(
            "OPTIONS",
            gateway + path,
            headers={
                "origin": origin,
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization,content-type,x-grpc-web,x-user-agent",
            },
        )

    allowed = await asyncio.to_thread(preflight, allowed_origin)
    assert allowed.status == 200
    assert allowed.headers["access-control-allow-origin"] == allowed_origin
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert "grpc-status-details-bin" in allowed.headers.get("access-control-expose-headers", "grpc-status-details-bin")

    refused = await asyncio.to_thread(preflight, "https://evil.example")
    assert "access-control-allow-origin" not in refused.headers


async def _envoy(
    tmp_path: Path, descriptor_path: Path, ports: list[int], **options: Any
) -> AsyncIterator[EmbeddedEnvoy]:
    envoy = EmbeddedEnvoy(
        tmp_path,
        GatewayOptions(
            listen_host="127.0.0.1",
            listen_port=0,
            admin_port=0,
            upstreams=tuple(("127.0.0.1", port) for port in ports),
            descriptor_path=descriptor_path,
            access_log_path=str(tmp_path / "access.log"),
            health_check_interval_seconds=1.0,
            **options,
        ),
        concurrency=1,
    )
    await asyncio.to_thread(envoy.start)
    try:
        yield envoy
    finally:
        await asyncio.to_thread(envoy.stop)


async def test_edge_rate_limit_answers_429_and_resource_exhausted(
    app: HelpdeskApp, descriptor_path: Path, tmp_path: Path
) -> None:
    assert app.port is not None
    async for envoy in _envoy(
        tmp_path, descriptor_path, [app.port], edge_rate_limit_per_second=1, edge_rate_limit_burst=2
    ):
        statuses = [(await _json(envoy.url, "GET", "/v1/categories")).status for _ in range(6)]
        assert 429 in statuses, statuses

        async with grpc.aio.insecure_channel(urllib.parse.urlsplit(envoy.url).netloc) as channel:
            categories = channel.unary_unary(
                "/helpdesk.v1.KnowledgeService/ListCategories",
                request_serializer=knowledge_service_pb2.ListCategoriesRequest.SerializeToString,
                response_deserializer=knowledge_service_pb2.ListCategoriesResponse.FromString,
            )
            outcomes = await asyncio.gather(
                *(categories(knowledge_service_pb2.ListCategoriesRequest(), timeout=5) for _ in range(6)),
                return_exceptions=True,
            )
        errors = [outcome for outcome in outcomes if isinstance(outcome, grpc.aio.AioRpcError)]
        assert errors, outcomes
        limited = errors[0]
        # Not UNAVAILABLE: clients' retry policies must not turn a flood into a bigger one.
        assert limited.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert ("x-helpdesk-rate-limited", "edge") in tuple(limited.trailing_metadata() or ())

        grpc_web = await asyncio.to_thread(
            grpc_web_call,
            envoy.url,
            "/helpdesk.v1.KnowledgeService/ListCategories",
            knowledge_service_pb2.ListCategoriesRequest(),
        )
        # Envoy's gRPC-Web local reply keeps HTTP 429 (and maps it to grpc-status 14).
        assert grpc_web.http_status == 429
        assert grpc_web.headers["x-helpdesk-rate-limited"] == "edge"


async def test_round_robin_over_replicas(app: HelpdeskApp, descriptor_path: Path, tmp_path: Path) -> None:
    second = await HelpdeskApp.create(app.settings.replace(grpc_port=0, metrics_port=None))
    second_port = await second.start()
    try:
        assert app.port is not None
        async for envoy in _envoy(tmp_path, descriptor_path, [app.port, second_port]):
            # Both replicas must pass a health check before they share the traffic.
            await asyncio.sleep(1.5)
            for _ in range(8):
                response = await _json(envoy.url, "GET", "/v1/categories")
                assert response.status == 200, response.body
            upstreams = await _upstreams_in_access_log(tmp_path / "access.log", path="/v1/categories", count=8)
    finally:
        await second.stop(grace=0.5)
    assert upstreams == {f"127.0.0.1:{app.port}", f"127.0.0.1:{second_port}"}


async def _upstreams_in_access_log(log: Path, *, path: str, count: int) -> set[str]:
    """The upstreams of the first `count` logged requests to `path` (Envoy flushes its log every second)."""
    for _ in range(100):
        text = await asyncio.to_thread(log.read_text)
        entries = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        served = [entry["upstream"] for entry in entries if entry["path"] == path]
        if len(served) >= count:
            return set(served)
        await asyncio.sleep(0.1)
    raise AssertionError(f"only {len(served)} of {count} requests to {path} in the access log")

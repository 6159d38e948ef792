"""Through a real Envoy (the project's template) in front of a real server: JSON, gRPC-Web, native gRPC, CORS.

The server runs in this test's event loop, so every blocking HTTP call goes through a thread.
"""

from __future__ import annotations

import asyncio
import urllib.parse
import uuid

import grpc
import grpc.aio
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc, user_pb2
from tests.gateway.wire import HttpResponse, grpc_web_call, http_request

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"


def _email() -> str:
    return f"gw-{uuid.uuid4().hex[:10]}@example.com"


async def _post_json(url: str, body: dict[str, object], headers: dict[str, str] | None = None) -> HttpResponse:
    return await asyncio.to_thread(http_request, "POST", url, body=body, headers=headers)


async def _register(gateway: str, email: str) -> HttpResponse:
    return await _post_json(
        gateway + "/v1/auth:register", {"email": email, "password": PASSWORD, "displayName": "Gateway Tester"}
    )


async def test_json_register_then_login_returns_tokens_in_camel_case(gateway: str) -> None:
    email = _email()
    registered = await _register(gateway, email)
    assert registered.status == 200, registered.body
    assert registered.headers["content-type"].startswith("application/json")
    assert registered.json()["user"]["email"] == email
    assert registered.json()["user"]["displayName"] == "Gateway Tester"

    login = await _post_json(gateway + "/v1/auth:login", {"email": email, "password": PASSWORD})
    assert login.status == 200, login.body
    body = login.json()
    assert body["accessToken"]
    assert body["refreshToken"]
    assert body["tokenType"] == "Bearer"
    assert "access_token" not in body
    assert login.headers["x-request-id"]

    me = await asyncio.to_thread(
        http_request, "GET", gateway + "/v1/users/me", headers={"authorization": f"Bearer {body['accessToken']}"}
    )
    assert me.status == 200, me.body
    assert me.json()["email"] == email
    # Primitive fields are printed even when they hold their default value.
    assert "etag" in me.json()


async def test_json_bad_email_is_http_400_with_bad_request_details(gateway: str) -> None:
    response = await _register(gateway, "not-an-email")

    assert response.status == 400, response.body
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert body["message"]
    bad_requests = [d for d in body["details"] if d["@type"] == "type.googleapis.com/google.rpc.BadRequest"]
    assert bad_requests, body
    assert any(v["field"] == "email" for v in bad_requests[0]["fieldViolations"])


async def test_json_errors_map_to_http_statuses(gateway: str) -> None:
    wrong_password = await _post_json(gateway + "/v1/auth:login", {"email": _email(), "password": "wrong password"})
    assert wrong_password.status == 401
    assert wrong_password.json()["code"] == grpc.StatusCode.UNAUTHENTICATED.value[0]

    anonymous = await asyncio.to_thread(http_request, "GET", gateway + "/v1/users/me")
    assert anonymous.status == 401

    malformed = await asyncio.to_thread(
        http_request,
        "POST",
        gateway + "/v1/auth:login",
        body=b'{"email": "a@example.com",',
        headers={"content-type": "application/json"},
    )
    assert malformed.status == 400

    unknown_route = await asyncio.to_thread(http_request, "GET", gateway + "/v1/no-such-thing")
    assert unknown_route.status == 404


async def test_json_ignores_unknown_query_parameters(gateway: str) -> None:
    email = _email()
    assert (await _register(gateway, email)).status == 200

    login = await _post_json(gateway + "/v1/auth:login?utm_source=test", {"email": email, "password": PASSWORD})

    assert login.status == 200, login.body


@pytest.mark.parametrize("text", [False, True], ids=["binary", "text"])
async def test_grpc_web_login_and_current_user(gateway: str, text: bool) -> None:
    email = _email()
    assert (await _register(gateway, email)).status == 200

    login = await asyncio.to_thread(
        grpc_web_call,
        gateway,
        "/helpdesk.v1.AuthService/Login",
        auth_service_pb2.LoginRequest(email=email, password=PASSWORD),
        text=text,
    )
    assert login.http_status == 200
    assert login.grpc_status == 0, login.grpc_message
    tokens = login.message(auth_service_pb2.LoginResponse)
    assert tokens.access_token
    assert tokens.refresh_token

    me = await asyncio.to_thread(
        grpc_web_call,
        gateway,
        "/helpdesk.v1.AuthService/GetCurrentUser",
        auth_service_pb2.GetCurrentUserRequest(),
        text=text,
        headers={"authorization": f"Bearer {tokens.access_token}"},
    )
    assert me.grpc_status == 0, me.grpc_message
    assert me.message(user_pb2.User).email == email


async def test_grpc_web_error_carries_status_in_trailers(gateway: str, allowed_origin: str) -> None:
    result = await asyncio.to_thread(
        grpc_web_call,
        gateway,
        "/helpdesk.v1.AuthService/Login",
        auth_service_pb2.LoginRequest(email=_email(), password="wrong password"),
        headers={"origin": allowed_origin},
    )

    assert result.http_status == 200
    assert result.grpc_status == grpc.StatusCode.UNAUTHENTICATED.value[0]
    assert result.messages == []
    # Browsers can read the status only because CORS exposes these headers.
    exposed = result.headers["access-control-expose-headers"]
    for header in ("grpc-status", "grpc-message", "grpc-status-details-bin"):
        assert header in exposed


async def test_native_grpc_through_the_gateway(gateway: str) -> None:
    target = urllib.parse.urlsplit(gateway).netloc
    async with grpc.aio.insecure_channel(target) as channel:
        health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
        assert health.status == health_pb2.HealthCheckResponse.SERVING

        auth = auth_service_pb2_grpc.AuthServiceStub(channel)
        email = _email()
        await auth.Register(
            auth_service_pb2.RegisterRequest(email=email, password=PASSWORD, display_name="Native"), timeout=10
        )
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await auth.Login(auth_service_pb2.LoginRequest(email=email, password="wrong password"), timeout=10)
        assert failure.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_cors_preflight_allows_only_listed_origins(gateway: str, allowed_origin: str) -> None:
    def preflight(origin: str) -> HttpResponse:
        return http_request(
            "OPTIONS",
            gateway + "/helpdesk.v1.AuthService/Login",
            headers={
                "origin": origin,
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type,x-grpc-web,authorization",
            },
        )

    allowed = await asyncio.to_thread(preflight, allowed_origin)
    assert allowed.status == 200
    assert allowed.headers["access-control-allow-origin"] == allowed_origin
    for header in ("authorization", "content-type", "x-grpc-web", "grpc-timeout", "x-request-id"):
        assert header in allowed.headers["access-control-allow-headers"]

    refused = await asyncio.to_thread(preflight, "https://evil.example")
    assert "access-control-allow-origin" not in refused.headers

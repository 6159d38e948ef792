"""TLS terminated by the gateway: native gRPC over TLS (HTTP/2 by ALPN) and JSON over HTTPS through Envoy."""

from __future__ import annotations

import asyncio
import json
import ssl
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import grpc.aio
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from devstack.envoy import EmbeddedEnvoy
from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc
from server.app import HelpdeskApp
from server.gateway import GatewayOptions
from tests.support import local_gateway_options, running_gateway, self_signed_certificate, unique_email


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1."""
    return self_signed_certificate(tmp_path_factory.mktemp("gateway-tls"))


@pytest.fixture(scope="module")
async def tls_gateway(
    app: HelpdeskApp, descriptor_path: Path, certificate: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[EmbeddedEnvoy]:
    """A real Envoy terminating TLS in front of the module's server."""
    assert app.port is not None
    cert, key = certificate
    options = local_gateway_options(app.port, descriptor_path=descriptor_path, tls_cert_file=cert, tls_key_file=key)
    async with running_gateway(tmp_path_factory.mktemp("envoy-tls"), options) as envoy:
        yield envoy


def _post_json(url: str, body: dict[str, str], context: ssl.SSLContext | None) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(  # noqa: S310 - the test's own gateway URL
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as response:  # noqa: S310 - test URL
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


async def test_json_over_https(tls_gateway: EmbeddedEnvoy, certificate: tuple[Path, Path]) -> None:
    assert tls_gateway.url.startswith("https://")
    trusting = ssl.create_default_context(cafile=str(certificate[0]))
    email = unique_email()
    body = {"email": email, "password": "a long password", "displayName": "Tls"}
    status, answer = await asyncio.to_thread(_post_json, f"{tls_gateway.url}/v1/auth:register", body, trusting)
    assert status == 200
    assert answer["accessToken"]
    status, answer = await asyncio.to_thread(
        _post_json, f"{tls_gateway.url}/v1/auth:login", {"email": email, "password": "wrong password"}, trusting
    )
    assert status == 401
    assert answer["code"] == grpc.StatusCode.UNAUTHENTICATED.value[0]


async def test_native_grpc_over_tls(tls_gateway: EmbeddedEnvoy, certificate: tuple[Path, Path]) -> None:
    credentials = grpc.ssl_channel_credentials(root_certificates=certificate[0].read_bytes())
    async with grpc.aio.secure_channel(f"localhost:{tls_gateway.port}", credentials) as channel:
        health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        email = unique_email()
        registered = await auth_service_pb2_grpc.AuthServiceStub(channel).Register(
            auth_service_pb2.RegisterRequest(email=email, password="a long password", display_name="Tls"), timeout=10
        )
        assert registered.access_token


async def test_untrusted_and_plaintext_clients_are_refused(tls_gateway: EmbeddedEnvoy) -> None:
    # A client that does not trust the certificate stops at the handshake.
    with pytest.raises(urllib.error.URLError):
        await asyncio.to_thread(
            _post_json, f"{tls_gateway.url}/v1/auth:login", {"email": "a@example.com", "password": "x"}, None
        )
    # Plaintext to the TLS port gets no HTTP answer at all.
    plain_url = tls_gateway.url.replace("https://", "http://")
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        await asyncio.to_thread(
            _post_json, f"{plain_url}/v1/auth:login", {"email": "a@example.com", "password": "x"}, None
        )


def test_tls_needs_both_files(certificate: tuple[Path, Path], descriptor_path: Path) -> None:
    from server.core.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="both"):
        GatewayOptions(
            listen_port=0, upstreams=(("127.0.0.1", 1),), descriptor_path=descriptor_path, tls_cert_file=certificate[0]
        )
    options = GatewayOptions.from_env(
        {
            "HELPDESK_GATEWAY_UPSTREAMS": "server:50051",
            "HELPDESK_GATEWAY_TLS_CERT_FILE": str(certificate[0]),
            "HELPDESK_GATEWAY_TLS_KEY_FILE": str(certificate[1]),
        }
    )
    assert options.scheme == "https"
    assert "DownstreamTlsContext" in options.render()

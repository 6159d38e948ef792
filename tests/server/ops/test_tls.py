"""TLS served by the server itself (deployments without Envoy), with a certificate made by the test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import grpc.aio
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc
from server.app import HelpdeskApp, server_credentials
from server.core.errors import ConfigurationError
from server.settings import Settings
from tests.support import self_signed_certificate, unique_email


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1: (cert, key) PEM files."""
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def settings(settings: Settings, certificate: tuple[Path, Path]) -> Settings:
    """The suite's settings, serving TLS with the test certificate."""
    cert, key = certificate
    return settings.replace(tls_cert_file=str(cert), tls_key_file=str(key))


@pytest.fixture(scope="module")
async def tls_channel(app: HelpdeskApp, certificate: tuple[Path, Path]) -> AsyncIterator[grpc.aio.Channel]:
    """A channel that trusts only the test certificate."""
    credentials = grpc.ssl_channel_credentials(root_certificates=certificate[0].read_bytes())
    async with grpc.aio.secure_channel(f"localhost:{app.port}", credentials) as channel:
        yield channel


async def test_grpc_over_tls_direct(tls_channel: grpc.aio.Channel) -> None:
    health = await health_pb2_grpc.HealthStub(tls_channel).Check(health_pb2.HealthCheckRequest())
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    auth = auth_service_pb2_grpc.AuthServiceStub(tls_channel)
    registered = await auth.Register(
        auth_service_pb2.RegisterRequest(email=unique_email("tls"), password="over tls 123", display_name="TLS")
    )
    me = await auth.GetCurrentUser(
        auth_service_pb2.GetCurrentUserRequest(), metadata=[("authorization", f"Bearer {registered.access_token}")]
    )
    assert me.id == registered.user.id


async def test_plaintext_clients_are_refused(app: HelpdeskApp) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as plain:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await health_pb2_grpc.HealthStub(plain).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_a_client_that_does_not_trust_the_certificate_is_refused(app: HelpdeskApp) -> None:
    async with grpc.aio.secure_channel(f"localhost:{app.port}", grpc.ssl_channel_credentials()) as untrusting:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await health_pb2_grpc.HealthStub(untrusting).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


def test_tls_needs_both_files(settings: Settings) -> None:
    with pytest.raises(ConfigurationError):
        settings.replace(tls_key_file=None)
    env = {"HELPDESK_TLS_CERT_FILE": "/etc/helpdesk/cert.pem"}
    with pytest.raises(ConfigurationError):
        Settings.from_env(env, production=False)
    both = Settings.from_env({**env, "HELPDESK_TLS_KEY_FILE": "/etc/helpdesk/key.pem"}, production=False)
    assert (both.tls_cert_file, both.tls_key_file) == ("/etc/helpdesk/cert.pem", "/etc/helpdesk/key.pem")


async def test_unreadable_files_are_a_configuration_error(settings: Settings, tmp_path: Path) -> None:
    missing = settings.replace(tls_cert_file=str(tmp_path / "nope.pem"), tls_key_file=str(tmp_path / "nope.key"))
    with pytest.raises(ConfigurationError):
        await asyncio.to_thread(server_credentials, missing)

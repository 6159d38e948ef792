"""Prometheus metrics: after a scripted workload, /metrics shows exactly that workload."""

from __future__ import annotations

import asyncio
import socket
import urllib.request

import grpc
import grpc.aio
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.metrics import Metrics
from server.settings import RateBudget, Settings
from tests.support import register, unique_email

LOGIN_BURST = 3


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """Metrics on an ephemeral port; rate limiting on, out of the way except for a tight login budget."""
    return settings.replace(
        metrics_port=0,
        rate_limit_enabled=True,
        rate_limit_per_ip=RateBudget(per_second=1000, burst=1000),
        rate_limit_register=RateBudget(per_second=1000, burst=1000),
        rate_limit_login=RateBudget(per_second=0.01, burst=LOGIN_BURST),
    )


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def _scrape(app: HelpdeskApp) -> Samples:
    assert app.metrics_port is not None

    def fetch() -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{app.metrics_port}/metrics", timeout=10) as response:
            body: bytes = response.read()
            return body.decode()

    text = await asyncio.to_thread(fetch)
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _rpc_counts(samples: Samples) -> dict[tuple[str, str], float]:
    counts = {}
    for (name, labels), value in samples.items():
        if name == "helpdesk_rpc_requests_total":
            as_dict = dict(labels)
            counts[(as_dict["method"], as_dict["code"])] = value
    return counts


async def test_metrics_show_exactly_the_workload(
    app: HelpdeskApp, channel: grpc.aio.Channel, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    # The workload: 3 sign-ups, 2 signed-in reads, 1 anonymous read, LOGIN_BURST wrong passwords
    # and one more refused by the login budget, 1 health check.
    users = [await register(auth_stub) for _ in range(3)]
    for user in users[:2]:
        await auth_stub.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=user.metadata)
    with pytest.raises(grpc.aio.AioRpcError):
        await auth_stub.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest())
    wrong = auth_service_pb2.LoginRequest(email=unique_email(), password="not the password")
    codes = []
    for _ in range(LOGIN_BURST + 1):
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await auth_stub.Login(wrong)
        codes.append(failed.value.code())
    assert codes == [grpc.StatusCode.UNAUTHENTICATED] * LOGIN_BURST + [grpc.StatusCode.RESOURCE_EXHAUSTED]
    health = health_pb2_grpc.HealthStub(channel)
    await health.Check(health_pb2.HealthCheckRequest())
    # A method nobody serves never reaches the interceptors: no label made up by a caller.
    no_such: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(
        "/helpdesk.v1.AuthService/NoSuchMethod"
    )
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await no_such(b"")
    assert unknown.value.code() == grpc.StatusCode.UNIMPLEMENTED

    samples = await _scrape(app)
    auth = "helpdesk.v1.AuthService/"
    assert _rpc_counts(samples) == {
        (auth + "Register", "OK"): 3,
        (auth + "GetCurrentUser", "OK"): 2,
        (auth + "GetCurrentUser", "UNAUTHENTICATED"): 1,
        (auth + "Login", "UNAUTHENTICATED"): LOGIN_BURST,
        (auth + "Login", "RESOURCE_EXHAUSTED"): 1,
        ("grpc.health.v1.Health/Check", "OK"): 1,
    }
    # Every call was timed, in the series of its status.
    assert _value(samples, "helpdesk_rpc_duration_seconds_count", method=auth + "Register", code="OK") == 3
    assert _value(samples, "helpdesk_rpc_duration_seconds_count", method=auth + "Login", code="UNAUTHENTICATED") == 3
    assert _value(samples, "helpdesk_rpc_duration_seconds_sum", method=auth + "Register", code="OK") > 0
    assert _value(samples, "helpdesk_login_failures_total", reason="invalid_credentials") == LOGIN_BURST
    assert _value(samples, "helpdesk_rate_limit_rejections_total", budget="login", scope="ip") == 1
    assert _value(samples, "helpdesk_rpc_in_flight_requests") == 0
    # The pool's figures are read at scrape time: nothing is checked out between calls.
    assert _value(samples, "helpdesk_db_pool_connections_in_use") == 0
    assert _value(samples, "helpdesk_db_pool_connections_idle") >= 1
    assert _value(samples, "helpdesk_db_pool_waiting") == 0
    assert _value(samples, "helpdesk_view_count_flush_batches_total") == 0


async def test_open_streams_are_gauged_while_open(app: HelpdeskApp, channel: grpc.aio.Channel) -> None:
    watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest())
    first = await watch.read()
    assert isinstance(first, health_pb2.HealthCheckResponse)

    samples = await _scrape(app)
    assert _value(samples, "helpdesk_rpc_open_streams", method="grpc.health.v1.Health/Watch") == 1
    assert _value(samples, "helpdesk_rpc_in_flight_requests") == 1

    watch.cancel()
    for _ in range(100):
        samples = await _scrape(app)
        if _value(samples, "helpdesk_rpc_open_streams", method="grpc.health.v1.Health/Watch") == 0:
            break
        await asyncio.sleep(0.05)
    assert _value(samples, "helpdesk_rpc_open_streams", method="grpc.health.v1.Health/Watch") == 0
    assert _value(samples, "helpdesk_rpc_in_flight_requests") == 0
    assert _value(samples, "helpdesk_rpc_requests_total", method="grpc.health.v1.Health/Watch", code="CANCELLED") == 1


async def test_domain_counters_have_stable_names_and_registries_are_per_app() -> None:
    first, second = Metrics(), Metrics()
    first.cache_hits.labels(cache="article").inc()
    first.cache_misses.labels(cache="article").inc(2)
    first.chat_deliveries.labels(transport="stream").inc()
    first.view_count_flushes.inc()
    first.view_count_flushed_views.inc(5)
    first.redis_errors.labels(component="chat").inc()
    assert first.registry.get_sample_value("helpdesk_cache_hits_total", {"cache": "article"}) == 1
    assert first.registry.get_sample_value("helpdesk_cache_misses_total", {"cache": "article"}) == 2
    assert first.registry.get_sample_value("helpdesk_chat_deliveries_total", {"transport": "stream"}) == 1
    assert first.registry.get_sample_value("helpdesk_view_count_flush_batches_total") == 1
    assert first.registry.get_sample_value("helpdesk_view_count_flushed_views_total") == 5
    assert first.registry.get_sample_value("helpdesk_redis_errors_total", {"component": "chat"}) == 1
    # The second app's registry saw none of it.
    assert second.registry.get_sample_value("helpdesk_cache_hits_total", {"cache": "article"}) is None
    assert second.registry.get_sample_value("helpdesk_view_count_flush_batches_total") == 0


def _dead_redis_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


async def test_redis_failures_are_counted_and_the_general_limiter_fails_open(settings: Settings) -> None:
    cut_off = await HelpdeskApp.create(settings.replace(redis_url=_dead_redis_url()))
    await cut_off.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{cut_off.port}") as channel:
            auth = auth_service_pb2_grpc.AuthServiceStub(channel)
            # Let through by the limiter (Redis down), refused by the access rule.
            with pytest.raises(grpc.aio.AioRpcError) as anonymous:
                await auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest())
            assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED
            # Sign-in limiting fails closed.
            with pytest.raises(grpc.aio.AioRpcError) as login:
                await auth.Login(auth_service_pb2.LoginRequest(email=unique_email(), password="whatever 123"))
            assert login.value.code() == grpc.StatusCode.UNAVAILABLE
        samples = await _scrape(cut_off)
    finally:
        await cut_off.stop(grace=0.5)
    # Login was let through by the general limiter too: two calls, two limiter failures.
    assert _value(samples, "helpdesk_redis_errors_total", component="rate_limit") == 2
    assert _value(samples, "helpdesk_redis_errors_total", component="login_limiter") == 1

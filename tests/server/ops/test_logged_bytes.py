"""What a server logs for a representative set of calls, byte for byte, against the lines kept in `logged_calls.jsonl`.

Real calls to a real server, logging set up as `helpdesk serve` sets it up (JSON lines, DEBUG here
so that health checks log too): successes with and without a caller, every error kind the
interceptor maps, a handler's own warning and an unexpected error (both carrying secrets that must
be redacted), a dependency outage, a passed deadline, a cancelled stream, client request ids and
client addresses needing JSON escapes, non-ASCII text. Only what differs from run to run is
replaced before comparing (`_normalized`): the time, the duration, generated request ids, user
ids, peer ports and, in tracebacks, the checkout's path and line numbers. Each replaced value is
first checked to have the exact shape it had.

The expected lines were captured from the server as it was before the per-call log line was made
cheaper: the line must not change by a byte. To see a difference, run with
`HELPDESK_WRITE_LOGGED_CALLS=1`, which rewrites the file instead of comparing.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import grpc
import grpc.aio
import pytest
import redis.exceptions
from grpc_health.v1 import health_pb2, health_pb2_grpc

from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc, ticket_service_pb2, ticket_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Role
from server.core.errors import (
    Aborted,
    AlreadyExists,
    FailedPrecondition,
    FieldViolation,
    Internal,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
    Unimplemented,
)
from server.core.logging import configure_logging
from server.settings import Settings
from tests.support import register, sign_in_as

_EXPECTED = Path(__file__).with_name("logged_calls.jsonl")
_REPO = Path(__file__).resolve().parents[3]
_PROBE = "probe.v1.Probe"
_probe_log = logging.getLogger("helpdesk.probe")

# Errors a probe method raises, by name: the interceptor maps each to its status.
_RAISED = {
    "InvalidArgument": InvalidArgument([FieldViolation("title", "too long"), FieldViolation("body", "é")]),
    "Unauthenticated": Unauthenticated("token expired"),
    "PermissionDenied": PermissionDenied("agents only"),
    "NotFound": NotFound("ticket not found"),
    "AlreadyExists": AlreadyExists("email taken"),
    "FailedPrecondition": FailedPrecondition("ticket is closed"),
    "Aborted": Aborted("etag mismatch"),
    "ResourceExhausted": ResourceExhausted("slow down", retry_after=timedelta(seconds=2.5)),
    "Unavailable": Unavailable("search is warming up"),
    "Unimplemented": Unimplemented("not yet"),
    "Internal": Internal("internal error of its own"),
}


def _metadata_dict(context: grpc.aio.ServicerContext[bytes, bytes]) -> dict[str, str]:
    return {key: value for key, value in context.invocation_metadata() or () if isinstance(value, str)}


async def _raise_kind(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
    raise _RAISED[_metadata_dict(context)["kind"]]


async def _echo(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
    return request


async def _warn_then_answer(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
    # A handler's own line, with secrets in its text and non-ASCII: redacted, escaped.
    _probe_log.warning(
        "retrying for Zoë ✓ with authorization: Bearer abc.def.ghi and password=hunter2hunter2",
        extra={"attempt": 2, "note": 'quote " and backslash \\ and tab \t', "ratio": 0.25},
    )
    return b"ok"


async def _fail_unexpectedly(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
    raise RuntimeError('boom: {"refresh_token": "opaque-refresh-1234", "é": 1}')


async def _lose_redis(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
    raise redis.exceptions.ConnectionError("Error 111 connecting to redis:6379. Connection refused.")


async def _outlast_the_deadline(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
    await asyncio.sleep(30)
    return b"late"


async def _stream_until_cancelled(
    request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]
) -> AsyncIterator[bytes]:
    yield b"first"
    await asyncio.sleep(30)
    yield b"never"


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """The suite's settings behind one trusted proxy: the client address comes from x-forwarded-for."""
    return settings.replace(trusted_proxy_hops=1)


@pytest.fixture(scope="module")
async def probed_app(settings: Settings) -> AsyncIterator[HelpdeskApp]:
    """A real server that also serves the probe methods (outside the API package: open to everyone)."""
    app = await HelpdeskApp.create(settings)
    unary = grpc.unary_unary_rpc_method_handler
    app.server.add_registered_method_handlers(
        _PROBE,
        {
            "Raise": unary(_raise_kind),
            "Echo": unary(_echo),
            "Warn": unary(_warn_then_answer),
            "Fail": unary(_fail_unexpectedly),
            "LoseRedis": unary(_lose_redis),
            "Slow": unary(_outlast_the_deadline),
            "Stream": grpc.unary_stream_rpc_method_handler(_stream_until_cancelled),
        },
    )
    await app.start()
    yield app
    await app.stop(grace=0.5)


@pytest.fixture
def production_handler(settings: Settings) -> Iterator[logging.StreamHandler[io.StringIO]]:
    """Logging as `helpdesk serve` sets it up (JSON lines, here at DEBUG), its one handler writing to a StringIO."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    noisy = {name: logging.getLogger(name).level for name in ("sqlalchemy.engine", "asyncio", "grpc")}
    configure_logging(settings.replace(log_format="json", log_level="DEBUG"))
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    try:
        yield handler
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, level in noisy.items():
            logging.getLogger(name).setLevel(level)


async def _refused(call: object) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call  # type: ignore[misc]
    return refused.value.code()


async def _calls(app: HelpdeskApp, log: io.StringIO) -> None:
    """The representative calls, one after the other (each line is written as its call ends)."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
        auth = auth_service_pb2_grpc.AuthServiceStub(channel)
        tickets = ticket_service_pb2_grpc.TicketServiceStub(channel)
        health = health_pb2_grpc.HealthStub(channel)
        probe: dict[str, grpc.aio.UnaryUnaryMultiCallable[bytes, bytes]] = {
            name: channel.unary_unary(f"/{_PROBE}/{name}")
            for name in ("Raise", "Echo", "Warn", "Fail", "LoseRedis", "Slow")
        }

        # Signing up and in: OK without a caller; a wrong password, a taken email, a short password.
        customer = await register(auth)
        assert (
            await _refused(auth.Login(auth_service_pb2.LoginRequest(email=customer.email, password="wrong pass 1")))
            == grpc.StatusCode.UNAUTHENTICATED
        )
        taken = auth_service_pb2.RegisterRequest(email=customer.email, password="long enough 1", display_name="x")
        assert await _refused(auth.Register(taken)) == grpc.StatusCode.ALREADY_EXISTS
        short = auth_service_pb2.RegisterRequest(email="short@example.com", password="short", display_name="x")
        assert await _refused(auth.Register(short)) == grpc.StatusCode.INVALID_ARGUMENT
        # OK with a caller; a token that is no token; a staff-only method; a ticket that is not there.
        await auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=customer.metadata)
        bogus = (("authorization", "Bearer bogus.not-a.token"),)
        assert (
            await _refused(auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=bogus))
            == grpc.StatusCode.UNAUTHENTICATED
        )
        staff_only = ticket_service_pb2.ListTicketEventsRequest(ticket_id=str(uuid.uuid4()))
        assert (
            await _refused(tickets.ListTicketEvents(staff_only, metadata=customer.metadata))
            == grpc.StatusCode.PERMISSION_DENIED
        )
        missing = ticket_service_pb2.GetTicketRequest(id=str(uuid.uuid4()))
        assert await _refused(tickets.GetTicket(missing, metadata=customer.metadata)) == grpc.StatusCode.NOT_FOUND
        agent = await sign_in_as(app, auth, Role.AGENT)
        await auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=agent.metadata)
        # A health check (DEBUG), with a request id of the client's.
        await health.Check(health_pb2.HealthCheckRequest(), metadata=(("x-request-id", "health-1"),))

        # Request ids and client addresses (from x-forwarded-for) needing JSON escapes.
        await probe["Echo"](b"x", metadata=(("x-request-id", 'id "quoted" \\ and more'),))
        await probe["Echo"](
            b"x",
            metadata=(
                ("x-request-id", "r-2"),
                ("x-forwarded-for", 'spoofed, 203.0.113.9 "proxy\\"'),
                *customer.metadata,
            ),
        )
        await probe["Echo"](b"x", metadata=(("x-forwarded-for", "198.51.100.7"), *agent.metadata))
        # Every error kind the interceptor maps, with and without a caller.
        for kind in _RAISED:
            metadata = (("kind", kind), ("x-request-id", f"kind-{kind}"))
            await _refused(probe["Raise"](b"", metadata=metadata))
            await _refused(probe["Raise"](b"", metadata=(*metadata, *customer.metadata)))
        # A handler's own warning (secrets redacted), an unexpected error (traceback redacted),
        # a dependency outage.
        await probe["Warn"](b"", metadata=(("x-request-id", "warn-1"),))
        assert await _refused(probe["Fail"](b"", metadata=(("x-request-id", "fail-1"),))) == grpc.StatusCode.INTERNAL
        assert (
            await _refused(probe["LoseRedis"](b"", metadata=(("x-request-id", "redis-1"),)))
            == grpc.StatusCode.UNAVAILABLE
        )
        # A deadline the handler outlasts; a stream the client cancels.
        assert (
            await _refused(probe["Slow"](b"", timeout=0.3, metadata=(("x-request-id", "slow-1"),)))
            == grpc.StatusCode.DEADLINE_EXCEEDED
        )
        await _logged(log, "slow-1")
        streaming: grpc.aio.UnaryStreamMultiCallable[bytes, bytes] = channel.unary_stream(f"/{_PROBE}/Stream")
        stream = streaming(b"", metadata=(("x-request-id", "stream-1"),))
        assert await stream.read() == b"first"
        stream.cancel()
        await _logged(log, "stream-1")


async def _logged(log: io.StringIO, request_id: str) -> None:
    """Waits for the line of call `request_id`: the server writes it as the call ends on its side."""
    for _ in range(500):
        if f'"request_id": "{request_id}"' in log.getvalue():
            return
        await asyncio.sleep(0.01)


# What varies from run to run, each with the exact shape it must have.
_TIME = re.compile(r'"time": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00"')
_DURATION = re.compile(r'"duration_ms": (?:0|[1-9]\d*)\.\d\d?(?=[,}])')
_GENERATED_ID = re.compile(r'"request_id": "[0-9a-f]{32}"')
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_PEER_PORT = re.compile(r'("peer": "ipv[46]:[^"]*:)\d+"')
_LINE_NUMBER = re.compile(r"line \d+")


def _normalized(text: str) -> list[str]:
    """The lines of `text` with what varies from run to run replaced by placeholders."""
    users: dict[str, str] = {}

    def user(match: re.Match[str]) -> str:
        return users.setdefault(match.group(0), f"<uuid {len(users) + 1}>")

    lines = []
    for line in text.splitlines():
        json.loads(line)  # every line is one JSON object
        line = _TIME.sub('"time": "<time>"', line)
        line = _DURATION.sub('"duration_ms": <ms>', line)
        line = _GENERATED_ID.sub('"request_id": "<generated>"', line)
        line = _UUID.sub(user, line)
        line = _PEER_PORT.sub(r'\1<port>"', line)
        if '"exception": ' in line:
            line = _LINE_NUMBER.sub("line <n>", line.replace(json.dumps(str(_REPO))[1:-1], "<repo>"))
        lines.append(line)
    return lines


@pytest.mark.parametrize("alone", [True, False], ids=["production-handler-alone", "beside-another-handler"])
async def test_every_kind_of_call_logs_the_bytes_it_always_has(
    probed_app: HelpdeskApp, production_handler: logging.StreamHandler[io.StringIO], alone: bool
) -> None:
    # Alone, as in production (pytest attaches its own capture to the root logger for the test:
    # taken off here); beside another handler, every line is a LogRecord through the logger.
    log = io.StringIO()
    production_handler.setStream(log)
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers[:] = [production_handler] if alone else [production_handler, logging.NullHandler()]
    try:
        await _calls(probed_app, log)
    finally:
        root.handlers[:] = saved
    logged = _normalized(log.getvalue())
    # Lines other loggers write at DEBUG (libraries, background jobs) are not this test's business.
    ours = [line for line in logged if '"logger": "helpdesk.rpc"' in line or '"logger": "helpdesk.probe"' in line]
    if os.environ.get("HELPDESK_WRITE_LOGGED_CALLS"):
        _EXPECTED.write_text("".join(f"{line}\n" for line in ours), encoding="utf-8")
    expected = _EXPECTED.read_text(encoding="utf-8").splitlines()
    assert ours == expected

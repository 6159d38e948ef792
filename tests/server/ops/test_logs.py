"""Structured logs: one JSON line per RPC with its facts, request ids echoed, and never a secret."""

from __future__ import annotations

import io
import json
import logging
import sys
import uuid
from collections.abc import Iterator

import grpc
import grpc.aio
import pytest

from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc
from server.core.logging import CALL_LINE_FIELDS, CallLine, ConsoleFormatter, JsonFormatter, configure_logging
from server.settings import Settings
from tests.support import unique_email


@pytest.fixture
def captured_logs(settings: Settings) -> Iterator[io.StringIO]:
    """Everything logged during the test, as production would write it (JSON, DEBUG level)."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    noisy = {name: logging.getLogger(name).level for name in ("sqlalchemy.engine", "asyncio", "grpc")}
    configure_logging(settings.replace(log_format="json", log_level="DEBUG"))
    stream = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    try:
        yield stream
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, level in noisy.items():
            logging.getLogger(name).setLevel(level)


async def test_secrets_never_reach_the_logs(
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub, captured_logs: io.StringIO
) -> None:
    password = f"Sekr3t-{uuid.uuid4().hex[:12]}"
    wrong_password = f"Wr0ng-{uuid.uuid4().hex[:12]}"
    bogus_token = f"bogus.{uuid.uuid4().hex}.token"
    email = unique_email("logs")
    secrets = [password, wrong_password, bogus_token]

    registered = await auth_stub.Register(
        auth_service_pb2.RegisterRequest(email=email, password=password, display_name="Log Tester")
    )
    secrets += [registered.access_token, registered.refresh_token]
    with pytest.raises(grpc.aio.AioRpcError):
        await auth_stub.Login(auth_service_pb2.LoginRequest(email=email, password=wrong_password))
    with pytest.raises(grpc.aio.AioRpcError):
        await auth_stub.Register(
            auth_service_pb2.RegisterRequest(email=unique_email(), password="short", display_name="x")
        )
    signed_in = await auth_stub.Login(auth_service_pb2.LoginRequest(email=email, password=password))
    secrets += [signed_in.access_token, signed_in.refresh_token]
    refreshed = await auth_stub.RefreshToken(
        auth_service_pb2.RefreshTokenRequest(refresh_token=signed_in.refresh_token)
    )
    secrets += [refreshed.access_token, refreshed.refresh_token]
    # Reusing a spent refresh token revokes the family: a warning-worthy event, still no token logged.
    with pytest.raises(grpc.aio.AioRpcError):
        await auth_stub.RefreshToken(auth_service_pb2.RefreshTokenRequest(refresh_token=signed_in.refresh_token))
    with pytest.raises(grpc.aio.AioRpcError):
        await auth_stub.GetCurrentUser(
            auth_service_pb2.GetCurrentUserRequest(), metadata=[("authorization", f"Bearer {bogus_token}")]
        )
    await auth_stub.GetCurrentUser(
        auth_service_pb2.GetCurrentUserRequest(), metadata=[("authorization", f"Bearer {registered.access_token}")]
    )

    output = captured_logs.getvalue()
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    rpc_lines = [line for line in lines if line["logger"] == "helpdesk.rpc" and "rpc_method" in line]
    assert len(rpc_lines) == 8
    for secret in secrets:
        assert secret not in output
    # The parts of a JWT are not logged either (a signature alone would be a leak of sorts).
    for token in (registered.access_token, signed_in.access_token, refreshed.access_token):
        assert token.rsplit(".", 1)[-1] not in output


async def test_one_json_line_per_rpc_with_the_request_id_echoed(
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub, captured_logs: io.StringIO
) -> None:
    registered = await auth_stub.Register(
        auth_service_pb2.RegisterRequest(email=unique_email(), password="long enough 1", display_name="Req Id")
    )
    request_id = f"req-{uuid.uuid4().hex}"
    call = auth_stub.GetCurrentUser(
        auth_service_pb2.GetCurrentUserRequest(),
        metadata=[("authorization", f"Bearer {registered.access_token}"), ("x-request-id", request_id)],
    )
    await call
    assert dict(await call.trailing_metadata())["x-request-id"] == request_id

    lines = [json.loads(line) for line in captured_logs.getvalue().splitlines() if line.strip()]
    (line,) = [entry for entry in lines if entry.get("request_id") == request_id]
    assert line["rpc_method"] == "/helpdesk.v1.AuthService/GetCurrentUser"
    assert line["rpc_status"] == "OK"
    assert line["user_id"] == registered.user.id
    assert line["peer"].startswith(("ipv4:127.0.0.1:", "ipv6:"))
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO"


def _record_with_traceback(message: str) -> logging.LogRecord:
    try:
        raise RuntimeError("boom with authorization: Bearer abc.def.ghi")
    except RuntimeError:
        exc_info = sys.exc_info()
    return logging.LogRecord("helpdesk.rpc", logging.ERROR, __file__, 1, message, (), exc_info)


def test_errors_carry_a_redacted_stack_trace() -> None:
    record = _record_with_traceback('failed: {"password": "hunter2hunter2", "refresh_token": "opaque123"}')
    payload = json.loads(JsonFormatter().format(record))
    assert "Traceback" in payload["exception"]
    assert "RuntimeError" in payload["exception"]
    console = ConsoleFormatter().format(record)
    for text in (json.dumps(payload), console):
        for secret in ("hunter2hunter2", "opaque123", "abc.def.ghi"):
            assert secret not in text


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.parametrize(
    ("user_id", "request_id", "peer"),
    [
        (str(uuid.uuid4()), uuid.uuid4().hex, "ipv4:127.0.0.1:50312"),
        # Anonymous call; a client-chosen id needing JSON escapes (quotes, backslash, non-ASCII, control).
        (None, 'id "quoted" \\ é ✓ \n\t', "ipv6:[::1]:40000"),
    ],
)
def test_a_call_line_is_the_record_json_formatter_would_write_field_by_field(
    user_id: str | None, request_id: str, peer: str
) -> None:
    logger = logging.getLogger(f"helpdesk.rpc.check-{uuid.uuid4().hex}")
    kept = _Kept()
    logger.addHandler(kept)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    line = CallLine(logger, logging.INFO, "/helpdesk.v1.AuthService/GetCurrentUser", "OK")
    line.emit(hundredths=137, request_id=request_id, user_id=user_id, peer=peer, client_ip="10.0.0.7")
    line.emit(hundredths=1200, request_id=request_id, user_id=user_id, peer=peer, client_ip="10.0.0.7")

    formatter = JsonFormatter()
    for record in kept.records:
        # The same fields on a plain LogRecord take JsonFormatter's general path.
        plain = logging.makeLogRecord(vars(record))
        assert type(plain) is logging.LogRecord
        assert formatter.format(record) == formatter.format(plain)
        payload = json.loads(formatter.format(record))
        assert payload["message"] == "/helpdesk.v1.AuthService/GetCurrentUser OK"
        assert payload["level"] == "INFO"
        assert payload["request_id"] == request_id
        assert payload.get("user_id") == user_id
        assert payload["peer"] == peer
        assert [key for key in payload if key in CALL_LINE_FIELDS] == [
            key for key in CALL_LINE_FIELDS if key != "user_id" or user_id is not None
        ]
        # Any other formatter sees an ordinary record with the fields as attributes.
        console = ConsoleFormatter().format(record)
        assert "/helpdesk.v1.AuthService/GetCurrentUser OK" in console
        assert "client_ip=10.0.0.7" in console
    assert [json.loads(formatter.format(r))["duration_ms"] for r in kept.records] == [1.37, 12.0]
    assert kept.records[0].created <= kept.records[1].created

"""The per-call log line: what production writes straight to its handler is the line any other set-up gets."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.core.logging import CallLine, JsonFormatter, configure_logging
from server.settings import Settings

_TIME = re.compile(r'^\{"time": "(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00)"')
_DURATION = re.compile(r'"duration_ms": ([^,]+), ')

# (hundredths of a millisecond, request_id, user_id, peer, client_ip)
_CALLS = [
    (137, uuid.uuid4().hex, str(uuid.uuid4()), "ipv4:127.0.0.1:50312", "127.0.0.1"),
    (1200, uuid.uuid4().hex, None, "ipv6:[::1]:40000", "::1"),
    # A client-chosen id needing JSON escapes (quotes, backslash, non-ASCII, control characters).
    (0, 'id "quoted" \\ é ✓ \n\t\x7f', str(uuid.uuid4()), 'unix:/run/helpdesk "grpc".sock', "203.0.113.9"),
    (123456, "r", None, "ipv4:10.0.0.1:1", "10.0.0.1"),
    # The same peer and address again (their text is remembered), and values needing escapes there.
    (5, "r2", None, 'unix:/run/helpdesk "grpc".sock', "203.0.113.9"),
    (10, "r3", 'user "é"', "ipv4:10.0.0.1:1", "\u2028\n"),
    (10, "r4", 'user "é"', "ipv4:10.0.0.1:1", "\u2028\n"),
]


@pytest.fixture
def production_logging(settings: Settings) -> Iterator[logging.Handler]:
    """Logging as `helpdesk serve` sets it up (JSON lines, INFO), its one handler returned.

    Tests attach handlers of their own to the root logger (pytest's capture, the secret scan):
    `_alone` takes them off while production's set-up is what is being tested.
    """
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    noisy = {name: logging.getLogger(name).level for name in ("sqlalchemy.engine", "asyncio", "grpc")}
    configure_logging(settings.replace(log_format="json", log_level="INFO"))
    try:
        yield root.handlers[0]
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, level in noisy.items():
            logging.getLogger(name).setLevel(level)


@contextlib.contextmanager
def _alone(handler: logging.Handler) -> Iterator[None]:
    """`handler` as the root logger's only handler, as in production, for the block."""
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers[:] = [handler]
    try:
        yield
    finally:
        root.handlers[:] = saved


def _lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def _plain(request_id: str) -> bool:
    """Whether `request_id` is as the server makes them (hex digits: the line quotes it without escaping)."""
    return request_id.isascii() and request_id.isalnum()


def _untimed(line: str) -> str:
    match = _TIME.match(line)
    assert match is not None, line
    return line.replace(match.group(1), "<time>", 1)


def test_the_production_line_is_the_line_every_other_set_up_writes(production_logging: logging.Handler) -> None:
    assert isinstance(production_logging, logging.StreamHandler)
    direct = io.StringIO()
    production_logging.setStream(direct)
    line = CallLine(logging.getLogger("helpdesk.rpc"), logging.INFO, "/helpdesk.v1.AuthService/GetCurrentUser", "OK")
    with _alone(production_logging):
        for hundredths, request_id, user_id, peer, client_ip in _CALLS:
            line.emit(hundredths, request_id, user_id, peer, client_ip, plain_request_id=_plain(request_id))

    # A second handler: now every line is a LogRecord through the logger, which both handlers format.
    through_records = io.StringIO()
    second = logging.StreamHandler(through_records)
    second.setFormatter(JsonFormatter())
    production_logging.setStream(io.StringIO())
    with _alone(production_logging):
        logging.getLogger().addHandler(second)
        for hundredths, request_id, user_id, peer, client_ip in _CALLS:
            line.emit(hundredths, request_id, user_id, peer, client_ip, plain_request_id=_plain(request_id))

    written, formatted = _lines(direct), _lines(through_records)
    assert len(written) == len(formatted) == len(_CALLS)
    # Byte for byte, but for the moment each was written.
    assert [_untimed(text) for text in written] == [_untimed(text) for text in formatted]
    for text, (hundredths, request_id, user_id, peer, client_ip) in zip(written, _CALLS, strict=True):
        payload = json.loads(text)
        assert payload["message"] == "/helpdesk.v1.AuthService/GetCurrentUser OK"
        assert payload["duration_ms"] == hundredths / 100
        assert payload["request_id"] == request_id
        assert payload.get("user_id") == user_id
        assert (payload["peer"], payload["client_ip"]) == (peer, client_ip)


def test_every_duration_is_written_as_the_record_path_writes_it(production_logging: logging.Handler) -> None:
    # The interceptor logs milliseconds to the hundredth, in whole hundredths; the line prints them
    # as repr prints the float of the record path (hundredths / 100).
    assert isinstance(production_logging, logging.StreamHandler)
    durations = list(range(0, 300_000, 7))
    # The far ends, past which repr is asked.
    durations += [10**6 - 1, 10**9 + 5, 10**12 + 10, 10**15 - 1, 10**15, 10**15 + 1, 10**16 + 1, 10**17, 10**20 + 3]
    direct, through_records = io.StringIO(), io.StringIO()
    line = CallLine(logging.getLogger("helpdesk.rpc"), logging.INFO, "/helpdesk.v1.TicketService/GetTicket", "OK")
    second = logging.StreamHandler(through_records)
    second.setFormatter(JsonFormatter())
    with _alone(production_logging):
        production_logging.setStream(direct)
        for hundredths in durations:
            line.emit(hundredths, "r", None, "ipv4:10.0.0.1:1", "10.0.0.1")
        production_logging.setStream(io.StringIO())
        logging.getLogger().addHandler(second)
        for hundredths in durations:
            line.emit(hundredths, "r", None, "ipv4:10.0.0.1:1", "10.0.0.1")
    written, formatted = _lines(direct), _lines(through_records)
    assert len(written) == len(formatted) == len(durations)
    assert [_untimed(text) for text in written] == [_untimed(text) for text in formatted]
    assert [_DURATION.search(text).group(1) for text in written] == [repr(h / 100) for h in durations]  # type: ignore[union-attr]


def test_the_line_is_stamped_when_it_is_written(production_logging: logging.Handler) -> None:
    assert isinstance(production_logging, logging.StreamHandler)
    line = CallLine(logging.getLogger("helpdesk.rpc"), logging.INFO, "/helpdesk.v1.TicketService/GetTicket", "OK")
    direct = io.StringIO()
    production_logging.setStream(direct)
    stamps = []
    with _alone(production_logging):
        for _ in range(200):
            before = _stamp(time.time())
            line.emit(1, "r", None, "ipv4:10.0.0.1:1", "10.0.0.1")
            stamps.append((before, _stamp(time.time())))
    for text, (before, after) in zip(_lines(direct), stamps, strict=True):
        match = _TIME.match(text)
        assert match is not None
        # The stamps of one format compare as the times they stand for.
        assert before <= match.group(1) <= after


def _stamp(created: float) -> str:
    """`created` as a line's time: ISO 8601 UTC, milliseconds cut (not rounded), as a LogRecord's `msecs`."""
    second = int(created)
    return (
        datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        + f".{int((created - second) * 1000):03d}+00:00"
    )


def test_a_line_reaches_the_file_as_it_is_logged(production_logging: logging.Handler, tmp_path: Path) -> None:
    assert isinstance(production_logging, logging.StreamHandler)
    line = CallLine(logging.getLogger("helpdesk.rpc"), logging.INFO, "/helpdesk.v1.TicketService/GetTicket", "OK")
    # A block-buffered file (stderr is not always line-buffered) and a line-buffered one.
    with _alone(production_logging):
        for buffering in ({}, {"buffering": 1}):
            path = tmp_path / f"server-{len(buffering)}.log"
            with path.open("w", encoding="utf-8", **buffering) as stream:  # type: ignore[call-overload]
                production_logging.setStream(stream)
                request_id = uuid.uuid4().hex
                line.emit(
                    hundredths=50, request_id=request_id, user_id=None, peer="ipv4:1.2.3.4:5", client_ip="1.2.3.4"
                )
                # Read from the file itself while it is still open: the line is there, whole.
                (text,) = path.read_text(encoding="utf-8").splitlines()
                assert json.loads(text)["request_id"] == request_id
                production_logging.setStream(io.StringIO())

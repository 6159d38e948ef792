"""Logging set-up: one JSON object per line in production, a readable console format in development.

Log records never carry request bodies, passwords or tokens; the `redact` helper scrubs anything
that looks like a credential from free text before it is written.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii
from math import floor as _floor
from time import time as _time
from typing import Any, TextIO

from server.settings import Settings

# Attributes every LogRecord has; anything else was passed through `extra=` and is logged as a field.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}

_SECRET_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)((?:password|refresh_token|access_token|authorization|secret)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"),
    re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"),
)


# Every pattern above needs one of these words (or a JWT's "eyJ"): text without any skips the
# three substitutions, which would otherwise cost more than the rest of a per-call log line.
_SECRET_HINT = re.compile(r"(?i)bearer|eyJ|password|token|authorization|secret")


def redact(text: str) -> str:
    """`text` with bearer tokens, JWTs and password/token assignments replaced by `[REDACTED]`."""
    if _SECRET_HINT.search(text) is None:
        return text
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "[REDACTED]", text)
    return text


# The last second stamped and its text (one tuple, read and replaced whole: a thread logging at
# the turn of a second never pairs one second with another's text).
_second_cache: list[tuple[int | None, str]] = [(None, "")]
# ".000+00:00" to ".999+00:00": the tail of a stamp, by millisecond (formatting it per line costs more).
_MILLISECOND_TAILS = tuple(f".{ms:03d}+00:00" for ms in range(1000))


def _second_text(second: int) -> str:
    """`second` (since the epoch) as ISO 8601 UTC up to the second, remembered for the lines within it."""
    cached_second, text = _second_cache[0]
    if cached_second != second:
        text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _second_cache[0] = (second, text)
    return text


def _utc_stamp(created: float) -> str:
    """`created` as ISO 8601 UTC with milliseconds."""
    second = int(created)
    return _second_text(second) + _MILLISECOND_TAILS[int((created - second) * 1000)]


# ".0", ".01" ... ".99": what follows the whole milliseconds in the repr of a duration to the hundredth.
_HUNDREDTHS = tuple(f".{cents:02d}".rstrip("0") if cents % 10 else f".{cents // 10}" for cents in range(100))
# Below this (and not negative, not NaN), repr writes a float in positional notation.
_POSITIONAL_BELOW = 1e15


def _milliseconds(duration_ms: float) -> str:
    """`repr(duration_ms)`, by integers for a value to the hundredth (what the interceptor logs): a third of the cost.

    A float to the hundredth, h / 100, is the double nearest that decimal, and no shorter decimal
    is nearer it: its repr, the shortest text that reads back as it, is h's digits with the point
    before the last two and a trailing zero dropped (tested against repr).
    """
    if 0.0 <= duration_ms < _POSITIONAL_BELOW:
        hundredths = int(duration_ms * 100 + 0.5)
        if hundredths / 100 == duration_ms:
            whole, cents = divmod(hundredths, 100)
            return f"{whole}{_HUNDREDTHS[cents]}"
    return repr(duration_ms)


# One encoder for every line: `json.dumps(..., default=str)` would build a new one per call.
_ENCODER = json.JSONEncoder(default=str)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the record's extra fields, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        """Formats `record` as a JSON line."""
        if type(record) is _CallRecord:
            return record.json_line()
        payload: dict[str, Any] = {
            "time": _utc_stamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and value is not None:
                payload[key] = value
        if record.exc_info:
            payload["exception"] = redact(self.formatException(record.exc_info))
        return _ENCODER.encode(payload)


class _CallRecord(logging.LogRecord):
    """A `CallLine` record: a LogRecord in every way, plus its JSON line's fixed part (a slot, not a field)."""

    __slots__ = ("_json_head",)
    _json_head: str
    # The call's fields (in the record's __dict__, as `extra=` would put them).
    duration_ms: float
    request_id: str
    user_id: str | None
    peer: str
    client_ip: str

    def json_line(self) -> str:
        """What `JsonFormatter` writes for this record, from the fixed part and the call's own values."""
        return _call_json(
            self.created, self._json_head, self.duration_ms, self.request_id, self.user_id, self.peer, self.client_ip
        )


def _call_json(
    created: float, head: str, duration_ms: float, request_id: str, user_id: str | None, peer: str, client_ip: str
) -> str:
    """A call line as `JsonFormatter` writes it: `head` is its fixed part (`CallLine`), the rest the call's own."""
    return (
        f'{{"time": "{_utc_stamp(created)}"{head}{duration_ms!r}, "request_id": {_json_text(request_id)}'
        + ("" if user_id is None else f"{_USER_ID_KEY}{_json_text(user_id)}")
        + f', "peer": {_json_text(peer)}, "client_ip": {_json_text(client_ip)}}}'
    )


# The JSON encoder's own escaping (ensure_ascii), called directly: no encoder call per value, and
# no Python function around it.
_json_text = encode_basestring_ascii
_USER_ID_KEY = ', "user_id": '


class _KnownFields(dict[str | None, str]):
    """A call line's field (`, "key": value`) by value, made once for a value that repeats from line to line.

    Callers' ids, peers and client addresses come back call after call: their escaped text is a
    dict lookup rather than an escaping (`__missing__` makes it the first time). Past `_KEPT`
    values, all are forgotten and learned again.
    """

    _KEPT = 4096

    def __init__(self, key: str, *, last: bool = False) -> None:
        super().__init__()
        self._prefix = f', "{key}": '
        self._suffix = "}" if last else ""

    def __missing__(self, value: str | None) -> str:
        if len(self) >= self._KEPT:
            self.clear()
        # No caller: no field at all (as `JsonFormatter` leaves out a None).
        field = self[value] = "" if value is None else f"{self._prefix}{_json_text(value)}{self._suffix}"
        return field


_user_fields = _KnownFields("user_id")
_peer_fields = _KnownFields("peer")
_client_ip_fields = _KnownFields("client_ip", last=True)

# ".0" to ".99" (as `_HUNDREDTHS`), each followed by the next key: what follows a duration's whole milliseconds.
_HUNDREDTHS_THEN_REQUEST_ID = tuple(f'{cents}, "request_id": ' for cents in _HUNDREDTHS)
# Below this many hundredths (317 years), a duration's repr is its digits with a point (tested);
# `_milliseconds` answers beyond.
_EXACT_HUNDREDTHS_BELOW = 10**15
# '{"time": "' and a second's stamp (`_second_text`), for the second of the last line.
_line_start: list[tuple[int | None, str]] = [(None, "")]
# A stamp's millisecond tail (`_MILLISECOND_TAILS`) with its closing quote.
_MILLISECOND_TAILS_QUOTED = tuple(f'{tail}"' for tail in _MILLISECOND_TAILS)

# The root logger, which every logger's records reach (`logging.root` is never replaced).
_root = logging.root


def _start_of_line(second: int) -> str:
    """'{"time": "' and `second`'s stamp, remembered for the lines within that second."""
    start = f'{{"time": "{_second_text(second)}'
    _line_start[0] = (second, start)
    return start


# Fields of the call line, in the order JsonFormatter writes a record's extra fields.
CALL_LINE_FIELDS = ("rpc_method", "rpc_status", "duration_ms", "request_id", "user_id", "peer", "client_ip")


class CallLine:
    """The log line of one kind of finished call (one method, one status, one level), at a fraction of the cost.

    Every RPC writes one line when it ends. Through `Logger.log` with `extra=` that line cost more
    than a bare grpc call altogether: a LogRecord built field by field, a dict of its fields, a
    secret scan of the fixed message and a JSON encoding of the dict. Everything that does not
    change from call to call is worked out here once: the record's standard fields (a template
    copied per call) and the JSON line up to the duration.

    While logging is set up as `configure_logging` leaves it for production (JSON lines, one
    handler on the root logger, no filters, nothing else attached on the way), the line is written
    straight to that handler's stream under its lock: what the handler would write, byte for byte
    (tested), without a LogRecord or the logger's and handler's dispatch. Within that, every step
    is the cheapest of its kind (measured in instructions, 19.5 k per line before): the stamp's
    second and the values that repeat (caller, peer, client address) are looked up with their
    JSON around them, the duration comes as whole hundredths (no float to take apart), and the lock
    is taken without a `with` (half the cost of one on an RLock).
    Any other set-up (another handler, a filter, the console format, a test capturing records)
    gets an ordinary LogRecord with the same fields through the logger's handlers, which
    `JsonFormatter` writes from the fixed part.
    """

    __slots__ = ("_json_head", "_logger", "_template", "level")

    def __init__(self, logger: logging.Logger, level: int, method: str, status: str) -> None:
        self._logger = logger
        # The level the line is logged at.
        self.level = level
        # Caller lookup is off in production (`skip_unused_record_fields`); a line of its own has
        # no useful caller anyway.
        record = logger.makeRecord(
            logger.name,
            level,
            "(unknown file)",
            0,
            "%s %s",
            (method, status),
            None,
            "(unknown function)",
            dict.fromkeys(CALL_LINE_FIELDS) | {"rpc_method": method, "rpc_status": status},
        )
        self._template = vars(record).copy()
        self._json_head = (
            f', "level": {_json_text(record.levelname)}, "logger": {_json_text(logger.name)}, '
            f'"message": {_json_text(redact(record.getMessage()))}, '
            f'"rpc_method": {_json_text(method)}, "rpc_status": {_json_text(status)}, "duration_ms": '
        )

    def emit(
        self,
        hundredths: int,
        request_id: str,
        user_id: str | None,
        peer: str,
        client_ip: str,
        plain_request_id: bool = False,
    ) -> None:
        """Writes the line of a call that took `hundredths` hundredths of a millisecond (the level is checked).

        `plain_request_id`: the caller knows `request_id` needs no JSON escapes (a server-made id).
        """
        logger = self._logger
        handlers = _root.handlers
        if (
            len(handlers) == 1
            and type(handler := handlers[0]) is _LineHandler
            and type(handler.formatter) is JsonFormatter
            and not handler.filters
            and handler.level <= self.level
            and logger.parent is _root
            and logger.propagate
            and not logger.handlers
            and not logger.filters
        ):
            now = _time()
            # What `_call_json` writes, and the line's end: the time as `_utc_stamp` gives it
            # (floor is int for a positive number, at a third of the cost), the duration as repr
            # does (`_milliseconds`), each value as `_json_text` escapes it.
            second = _floor(now)
            start_second, start = _line_start[0]
            if start_second != second:
                start = _start_of_line(second)
            if 0 <= hundredths < _EXACT_HUNDREDTHS_BELOW:
                duration = f"{hundredths // 100}{_HUNDREDTHS_THEN_REQUEST_ID[hundredths % 100]}"
            else:
                duration = f'{_milliseconds(hundredths / 100)}, "request_id": '
            # Quotes around a plain id, in the line itself: escaping costs ten times more.
            if plain_request_id:
                request_id_text, quote = request_id, '"'
            else:
                request_id_text, quote = _json_text(request_id), ""
            text = (
                f"{start}{_MILLISECOND_TAILS_QUOTED[_floor((now - second) * 1000)]}{self._json_head}{duration}"
                f"{quote}{request_id_text}{quote}{_user_fields[user_id]}{_peer_fields[peer]}"
                f"{_client_ip_fields[client_ip]}{handler.terminator}"
            )
            lock = handler.lock
            lock.acquire()  # type: ignore[union-attr] # a StreamHandler always has its lock
            try:
                stream = handler.stream
                stream.write(text)
                if not handler.flushes_itself or stream is not handler.checked_stream:
                    handler.flush_written(stream)
            except RecursionError:
                raise
            except Exception:  # noqa: BLE001 - as logging's own handlers: report, never raise into the caller
                handler.handleError(self._record(now, hundredths / 100, request_id, user_id, peer, client_ip))
            finally:
                lock.release()  # type: ignore[union-attr]
            return
        logger.handle(self._record(_time(), hundredths / 100, request_id, user_id, peer, client_ip))

    def _record(
        self, now: float, duration_ms: float, request_id: str, user_id: str | None, peer: str, client_ip: str
    ) -> _CallRecord:
        """The call's LogRecord, made at `now`: the template's fields with the call's own."""
        record = _CallRecord.__new__(_CallRecord)
        fields = self._template.copy()
        fields["created"] = now
        fields["msecs"] = int((now - int(now)) * 1000) + 0.0
        fields["relativeCreated"] = (now - _LOGGING_START) * 1000
        fields["duration_ms"] = duration_ms
        fields["request_id"] = request_id
        fields["user_id"] = user_id
        fields["peer"] = peer
        fields["client_ip"] = client_ip
        record.__dict__ = fields
        record._json_head = self._json_head
        return record


# When the logging module was loaded: what LogRecord.relativeCreated counts from.
_LOGGING_START: float = logging._startTime  # type: ignore[attr-defined]


class ConsoleFormatter(logging.Formatter):
    """`HH:MM:SS level logger message key=value ...` for people watching `helpdesk dev`."""

    def format(self, record: logging.LogRecord) -> str:
        """Formats `record` as one readable line (plus a traceback if any)."""
        extras = " ".join(f"{k}={v}" for k, v in vars(record).items() if k not in _STANDARD_ATTRS and v is not None)
        stamp = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        line = f"{stamp} {record.levelname:<7} {record.name} {redact(record.getMessage())}"
        if extras:
            line += f"  {extras}"
        if record.exc_info:
            line += "\n" + redact(self.formatException(record.exc_info))
        return line


def skip_unused_record_fields() -> None:
    """Stops every LogRecord from gathering fields no formatter here writes, for a server process.

    A record otherwise walks the stack for its caller's file and line and looks up the thread,
    process and multiprocessing names: a fifth of the cost of the per-call log line. Tracebacks
    are unaffected. Process-wide, so only `helpdesk serve` calls it (see the logging HOWTO,
    "Optimization").
    """
    logging._srcfile = None  # the documented switch for caller lookup
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


class _LineHandler(logging.StreamHandler[TextIO]):
    """A StreamHandler (each record one line, flushed at once) with fewer steps per record.

    Every call writes a line: the stock `emit` formats through `Handler.format` and flushes
    through `flush()`, which takes the handler's lock again although `handle()` holds it.
    """

    def emit(self, record: logging.LogRecord) -> None:
        """Writes `record` as one line and flushes it."""
        try:
            formatter = self.formatter
            line = formatter.format(record) if formatter is not None else self.format(record)
            self.write_text(line + self.terminator)
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - as logging's own handlers: report, never raise into the caller
            self.handleError(record)

    # The stream last written to, and whether it passes each line to the OS as it is written.
    checked_stream: TextIO | None = None
    flushes_itself = False

    def write_text(self, text: str) -> None:
        """Writes `text` (whole lines, each with the terminator) and flushes it (the caller holds the lock)."""
        stream = self.stream
        stream.write(text)
        if not self.flushes_itself or stream is not self.checked_stream:
            self.flush_written(stream)

    def flush_written(self, stream: TextIO) -> None:
        """Flushes what was just written to `stream`, unless it passes each line to the OS itself (the lock held)."""
        if stream is not self.checked_stream:
            self.checked_stream = stream
            self.flushes_itself = _flushes_each_line(stream)
        if not self.flushes_itself:
            stream.flush()


def _flushes_each_line(stream: TextIO) -> bool:
    """Whether `stream` hands each line to the OS as it is written (stderr does), a flush after it being a no-op."""
    if getattr(stream, "line_buffering", False):
        return True
    # PYTHONUNBUFFERED (the image sets it): text straight to the unbuffered file.
    return bool(getattr(stream, "write_through", False)) and isinstance(getattr(stream, "buffer", None), io.RawIOBase)


def configure_logging(settings: Settings) -> None:
    """Routes all logging to stderr in the configured format and level."""
    handler = _LineHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else ConsoleFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    # Library chatter at INFO is noise next to our per-call lines.
    for noisy in ("sqlalchemy.engine", "asyncio", "grpc"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

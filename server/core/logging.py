"""Logging set-up: one JSON object per line in production, a readable console format in development.

Log records never carry request bodies, passwords or tokens; the `redact` helper scrubs anything
that looks like a credential from free text before it is written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

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


_last_second: list[Any] = [None, ""]


def _utc_stamp(created: float) -> str:
    """`created` as ISO 8601 UTC with milliseconds; the part up to the second is reused within a second."""
    second = int(created)
    if _last_second[0] != second:
        _last_second[:] = [second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")]
    return f"{_last_second[1]}.{int((created - second) * 1000):03d}+00:00"


# One encoder for every line: `json.dumps(..., default=str)` would build a new one per call.
_ENCODER = json.JSONEncoder(default=str)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the record's extra fields, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        """Formats `record` as a JSON line."""
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


def configure_logging(settings: Settings) -> None:
    """Routes all logging to stderr in the configured format and level."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else ConsoleFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    # Library chatter at INFO is noise next to our per-call lines.
    for noisy in ("sqlalchemy.engine", "asyncio", "grpc"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

"""Whole-run check that no credential reaches the logs.

For the length of the test session every log record of the test process (server, storage, clients:
all run in it) is formatted exactly as production writes it (JSON lines, including the fields passed
with `extra=`) and kept. When the session ends it is searched for the credentials the tests used:
every password and token handed out by the sign-in helpers in `tests/support.py`, every password
literal written in the tests' sources, and anything shaped like a JWT. A hit fails the run.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from server.core.logging import JsonFormatter

# Any JWT (header.payload.signature, base64url, header starting with `{"`).
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
# Password literals in test sources: `password="..."`, `new_password=...`, `"password": "..."`.
_PASSWORD_LITERAL = re.compile(r"""password\w*["']?\s*[=:]\s*f?["']([^"'{}\n]{8,})["']""")

_SECRETS: set[str] = set()


def remember_secrets(*values: str) -> None:
    """Adds credentials the tests used to the set searched for at the end of the run."""
    _SECRETS.update(value for value in values if len(value) >= 8)


def password_literals(sources: Iterable[Path]) -> set[str]:
    """Passwords written as literals in the given test sources."""
    found: set[str] = set()
    for path in sources:
        found.update(_PASSWORD_LITERAL.findall(path.read_text(encoding="utf-8")))
    return found


@dataclass(frozen=True, slots=True)
class Leak:
    """A credential found in a log line."""

    secret: str
    line: str

    def describe(self) -> str:
        """The leak with the secret partly masked (the report itself is printed)."""
        masked = self.secret[:3] + "…" + self.secret[-2:]
        return f"{masked!r} in: {self.line.replace(self.secret, '<SECRET>')[:300]}"


class LogScanner(logging.Handler):
    """Keeps every record as its production JSON line; `leaks()` searches them."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Stores the formatted record."""
        try:
            self.lines.append(self.format(record))
        except Exception:  # noqa: BLE001 - a record that cannot be formatted is logging's own error
            self.handleError(record)

    def leaks(self, extra_secrets: Iterable[str] = ()) -> list[Leak]:
        """Every (secret, line) pair where a remembered or given credential, or a JWT, appears."""
        secrets = sorted(_SECRETS | {s for s in extra_secrets if len(s) >= 8}, key=len, reverse=True)
        found: list[Leak] = []
        for line in self.lines:
            for secret in secrets:
                if secret in line:
                    found.append(Leak(secret, line))
            found.extend(Leak(match, line) for match in _JWT.findall(line))
        return found

"""Every Redis key the server uses, named in one place (all under `helpdesk:`).

Values and TTLs are the owning module's business; names are decided here so that keys of
different features can never collide and can be found with `SCAN MATCH helpdesk:<feature>:*`.
"""

from __future__ import annotations

import hashlib
import uuid

PREFIX = "helpdesk:"


def login_failures_for_account(email: str) -> str:
    """Counter of recent failed sign-ins of one account (normalised email, hashed: no emails in Redis)."""
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    return f"{PREFIX}login-failures:account:{digest}"


def login_failures_for_ip(client_ip: str) -> str:
    """Counter of recent failed sign-ins from one client address."""
    return f"{PREFIX}login-failures:ip:{client_ip}"


def principal(session_id: uuid.UUID) -> str:
    """Cached caller (user id and current role) of one signed-in session."""
    return f"{PREFIX}principal:{session_id}"


def revoked_session(session_id: uuid.UUID) -> str:
    """Marker that a session was revoked, so that a racing cache write cannot resurrect it."""
    return f"{PREFIX}revoked-session:{session_id}"

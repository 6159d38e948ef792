"""What a user may be, shared by the stored rows and the access rules."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """What a user may do; stored as this text in PostgreSQL."""

    CUSTOMER = "customer"
    AGENT = "agent"
    ADMIN = "admin"

"""Timestamps read as whole microseconds since the epoch, for replies built without a datetime per value."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, cast, extract, literal_column


def epoch_microseconds(column: Any, *, label: str) -> Any:
    """`column` (a timestamptz) as whole microseconds since the epoch, labelled `label`.

    Exact: EXTRACT gives a numeric (PostgreSQL 14+), not a float, so no timestamp loses a
    microsecond. The factor is written into the SQL, not bound: one parameter less per timestamp.
    """
    return cast(extract("epoch", column) * literal_column("1000000"), BigInteger).label(label)

"""Datetimes as protobuf Timestamps, built by plain arithmetic (Timestamp.FromDatetime costs several times more)."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf import timestamp_pb2

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def timestamp_fields(value: datetime) -> dict[str, int]:
    """An aware datetime's Timestamp fields, which a message constructor accepts for a Timestamp field.

    Built in place by the constructor, where a Timestamp object would be built and then copied.
    """
    delta = value - _EPOCH
    return {"seconds": delta.days * 86_400 + delta.seconds, "nanos": delta.microseconds * 1_000}


def micros_timestamp_fields(microseconds: int) -> dict[str, int]:
    """`timestamp_fields` of a time read as whole microseconds since the epoch (`storage.timestamps`).

    Floor division, as timedelta normalises: nanos stay in [0, 1e9) before 1970 too.
    """
    seconds, micros = divmod(microseconds, 1_000_000)
    return {"seconds": seconds, "nanos": micros * 1_000}


def to_timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    """An aware datetime as a Timestamp."""
    delta = value - _EPOCH
    return timestamp_pb2.Timestamp(seconds=delta.days * 86_400 + delta.seconds, nanos=delta.microseconds * 1_000)

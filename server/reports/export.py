"""A report as CSV (RFC 4180, UTF-8): one row per series and bucket, the figures flattened into columns.

The rows are made from the report's protobuf answer, so the file holds exactly what the report
RPC answers. Durations are in seconds. Text a spreadsheet would run as a formula (a category or
a name starting with `=`, `+`, `-`, `@`, tab or carriage return) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from helpdesk.v1 import report_pb2, ticket_pb2

CHUNK_BYTES = 32 * 1024
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _columns(descriptor: Any, prefix: str = "") -> list[str]:
    names: list[str] = []
    for field in descriptor.fields:
        if field.name == "start_time":
            continue
        name = prefix + field.name
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if field.message_type.name == "DurationSummary":
                names += [f"{name}_count", f"{name}_median_seconds", f"{name}_p90_seconds"]
            else:
                names += _columns(field.message_type, prefix=f"{name}_")
        elif field.is_repeated:
            names += [f"{name}_{stars}" for stars in range(1, 6)]
        else:
            names.append(name)
    return names


def _values(message: Message) -> list[object]:
    values: list[object] = []
    fields: Any = message.DESCRIPTOR.fields
    for field in fields:
        if field.name == "start_time":
            continue
        value = getattr(message, field.name)
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if field.message_type.name == "DurationSummary":
                values += [
                    value.count,
                    value.median.ToTimedelta().total_seconds(),
                    value.p90.ToTimedelta().total_seconds(),
                ]
            else:
                values += _values(value)
        elif field.is_repeated:
            values += list(value) + [0] * (5 - len(value))
        elif isinstance(value, float):
            values.append(round(value, 6))
        else:
            values.append(value)
    return values


_GROUP_COLUMNS = ["bucket_start", "agent_id", "agent_display_name", "category", "priority"]


def _group_values(start: datetime, group: report_pb2.ReportGroup, zone: ZoneInfo) -> list[object]:
    priority = ticket_pb2.TicketPriority.Name(group.priority).removeprefix("TICKET_PRIORITY_") if group.priority else ""
    return [
        start.astimezone(zone).isoformat(),
        group.agent_id,
        _text(group.agent_display_name),
        _text(group.category),
        priority,
    ]


def report_rows(report: Message, zone: ZoneInfo) -> Iterator[list[object]]:
    """The header and the rows of a report message (any of the four kinds)."""
    if isinstance(report, report_pb2.AgentLoadReport):
        yield [*_GROUP_COLUMNS, *_columns(report_pb2.AgentLoadFigures.DESCRIPTOR)]
        for load in report.agents:
            for point in load.points:
                yield [*_group_values(point.start_time.ToDatetime(tzinfo=UTC), load.agent, zone), *_values(point)]
        return
    descriptor: Any = report.DESCRIPTOR
    figures = descriptor.fields_by_name["series"].message_type.fields_by_name["points"].message_type
    yield [*_GROUP_COLUMNS, *_columns(figures)]
    for series in report.series:  # type: ignore[attr-defined]
        for point in series.points:
            yield [*_group_values(point.start_time.ToDatetime(tzinfo=UTC), series.group, zone), *_values(point)]


def csv_chunks(rows: Iterator[list[object]]) -> Iterator[bytes]:
    """The rows as CSV, in chunks of about CHUNK_BYTES."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()

"""Report protobuf ⇄ domain: the query in, the figures out."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from google.protobuf import duration_pb2, timestamp_pb2

from helpdesk.v1 import report_pb2
from server.core.timestamps import timestamp_fields, to_timestamp
from server.reports.figures import (
    ChatPoint,
    DurationStats,
    GroupLabel,
    LoadPoint,
    Ratings,
    Report,
    SatisfactionPoint,
    TicketPoint,
)
from server.reports.validation import QueryInput
from server.tickets.convert import time_from_proto


def query_input(query: report_pb2.ReportQuery) -> QueryInput:
    """The query as sent (timestamps checked for range; everything else by `check_query`)."""
    return QueryInput(
        start_time=time_from_proto(query.start_time, field="query.start_time")
        if query.HasField("start_time")
        else None,
        end_time=time_from_proto(query.end_time, field="query.end_time") if query.HasField("end_time") else None,
        time_zone=query.time_zone,
        bucket=query.bucket,
        group_by=query.group_by,
        agent_id=query.agent_id,
        category=query.category if query.HasField("category") else None,
        priority=query.priority,
    )


def _duration(seconds: float) -> duration_pb2.Duration:
    whole = int(seconds)
    return duration_pb2.Duration(seconds=whole, nanos=round((seconds - whole) * 1e9))


def duration_summary(stats: DurationStats | dict[int, int]) -> report_pb2.DurationSummary:
    """Count, median and p90 (of a histogram, or as computed)."""
    if isinstance(stats, dict):
        stats = DurationStats.of(stats)
    return report_pb2.DurationSummary(count=stats.count, median=_duration(stats.median), p90=_duration(stats.p90))


def group_to_proto(label: GroupLabel) -> report_pb2.ReportGroup:
    """The group of a series."""
    return report_pb2.ReportGroup(
        agent_id="" if label.agent_id is None else str(label.agent_id),
        agent_display_name=label.agent_display_name,
        category=label.category,
        priority=label.priority,  # type: ignore[arg-type]
    )


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


# A report by agent holds ~9,000 of each: the durations are bin representatives (a few hundred
# values) and the starts the buckets' (a few hundred), so each is worked out once. The dicts are
# read by the message constructors, never changed.
@functools.lru_cache(maxsize=4096)
def _duration_fields(seconds: float) -> dict[str, int]:
    whole = int(seconds)
    return {"seconds": whole, "nanos": round((seconds - whole) * 1e9)}


@functools.lru_cache(maxsize=65536)
def _summary_fields(stats: DurationStats) -> dict[str, Any] | None:
    if not stats.count:
        return None  # unset: zero durations measured
    return {"count": stats.count, "median": _duration_fields(stats.median), "p90": _duration_fields(stats.p90)}


_start_fields = functools.lru_cache(maxsize=4096)(timestamp_fields)


def _ticket_fields(point: TicketPoint) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "start_time": _start_fields(point.start_time),
        "created": point.created,
        "resolved": point.resolved,
        "reopened": point.reopened,
        "backlog": point.backlog,
        "sla_met": point.sla_met,
        "sla_breached": point.sla_breached,
        "sla_met_ratio": _ratio(point.sla_met, point.sla_met + point.sla_breached),
    }
    first_response, resolution = _summary_fields(point.first_response), _summary_fields(point.resolution)
    if first_response is not None:
        fields["first_response"] = first_response
    if resolution is not None:
        fields["resolution"] = resolution
    return fields


def ticket_figures(point: TicketPoint) -> report_pb2.TicketFigures:
    """One bucket of ticket figures."""
    return report_pb2.TicketFigures(**_ticket_fields(point))


def ticket_report(report: Report[TicketPoint]) -> report_pb2.TicketReport:
    """A ticket report (built from mappings: a report by agent holds thousands of points)."""
    series: Any = [
        {
            "group": group_to_proto(one.group),
            "points": [_ticket_fields(point) for point in one.points],
            "total": _ticket_fields(one.total),
        }
        for one in report.series
    ]
    return report_pb2.TicketReport(
        start_time=to_timestamp(report.start_time),
        end_time=to_timestamp(report.end_time),
        series=series,
        data_time=_optional_stamp(report.data_time),
    )


def _optional_stamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    return None if value is None else to_timestamp(value)


def chat_figures(point: ChatPoint) -> report_pb2.ChatFigures:
    """One bucket of chat figures."""
    return report_pb2.ChatFigures(
        start_time=to_timestamp(point.start_time),
        started=point.started,
        accepted=point.accepted,
        missed=point.missed,
        wait=duration_summary(point.wait),
        duration=duration_summary(point.duration),
    )


def chat_report(report: Report[ChatPoint]) -> report_pb2.ChatReport:
    """A chat report."""
    return report_pb2.ChatReport(
        start_time=to_timestamp(report.start_time),
        end_time=to_timestamp(report.end_time),
        series=[
            report_pb2.ChatSeries(
                group=group_to_proto(series.group),
                points=[chat_figures(point) for point in series.points],
                total=chat_figures(series.total),
            )
            for series in report.series
        ],
    )


def rating_figures(ratings: Ratings) -> report_pb2.RatingFigures:
    """Ratings of one kind of conversation."""
    return report_pb2.RatingFigures(
        responses=ratings.responses,
        eligible=ratings.eligible,
        response_rate=_ratio(ratings.responses, ratings.eligible),
        average=ratings.average,
        distribution=ratings.distribution,
    )


def satisfaction_figures(point: SatisfactionPoint) -> report_pb2.SatisfactionFigures:
    """One bucket of satisfaction figures."""
    return report_pb2.SatisfactionFigures(
        start_time=to_timestamp(point.start_time),
        tickets=rating_figures(point.tickets),
        chats=rating_figures(point.chats),
    )


def satisfaction_report(report: Report[SatisfactionPoint]) -> report_pb2.SatisfactionReport:
    """A satisfaction report."""
    return report_pb2.SatisfactionReport(
        start_time=to_timestamp(report.start_time),
        end_time=to_timestamp(report.end_time),
        series=[
            report_pb2.SatisfactionSeries(
                group=group_to_proto(series.group),
                points=[satisfaction_figures(point) for point in series.points],
                total=satisfaction_figures(series.total),
            )
            for series in report.series
        ],
    )


def load_figures(point: LoadPoint) -> report_pb2.AgentLoadFigures:
    """An agent's load at one time."""
    return report_pb2.AgentLoadFigures(
        start_time=to_timestamp(point.start_time), open_tickets=point.open_tickets, active_chats=point.active_chats
    )


def agent_load_report(report: Report[LoadPoint]) -> report_pb2.AgentLoadReport:
    """An agent load report."""
    return report_pb2.AgentLoadReport(
        start_time=to_timestamp(report.start_time),
        end_time=to_timestamp(report.end_time),
        agents=[
            report_pb2.AgentLoad(
                agent=group_to_proto(series.group),
                points=[load_figures(point) for point in series.points],
                current=load_figures(series.total),
            )
            for series in report.series
        ],
    )

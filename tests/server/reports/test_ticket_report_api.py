"""GetTicketReport and ExportReport through the API: real ticket changes, folded by the rollup job, per role."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import TypeAlias

import grpc
import grpc.aio
import pytest

from helpdesk.v1 import (
    report_pb2,
    report_service_pb2,
    report_service_pb2_grpc,
    ticket_pb2,
    ticket_service_pb2,
    ticket_service_pb2_grpc,
)
from server.app import HelpdeskApp
from tests.server.tickets.helpers import Cast, error_info, move_to, open_ticket
from tests.support import SignedIn, bad_fields

ReportStub: TypeAlias = "report_service_pb2_grpc.ReportServiceAsyncStub"
TicketStub: TypeAlias = "ticket_service_pb2_grpc.TicketServiceAsyncStub"


def _query(**fields: object) -> report_pb2.ReportQuery:
    now = datetime.now(UTC)
    query = report_pb2.ReportQuery(time_zone="America/Sao_Paulo", bucket=report_pb2.REPORT_BUCKET_DAY)
    query.start_time.FromDatetime(now - timedelta(days=2))
    query.end_time.FromDatetime(now + timedelta(days=1))
    for name, value in fields.items():
        setattr(query, name, value)
    return query


async def _assign(stub: TicketStub, ticket_id: str, agent: SignedIn, actor: SignedIn) -> None:
    await stub.AssignTicket(
        ticket_service_pb2.AssignTicketRequest(id=ticket_id, assignee_id=agent.user_id), metadata=actor.metadata
    )


async def _reply(stub: TicketStub, ticket_id: str, author: SignedIn, *, internal: bool = False) -> None:
    await stub.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket_id, body="On it.", internal=internal),
        metadata=author.metadata,
    )


@pytest.fixture(scope="module")
async def history(app: HelpdeskApp, ticket_stub: TicketStub, cast: Cast) -> dict[str, int]:
    """Agent A: two tickets, one answered and resolved, then reopened by the customer; agent B: one open."""
    a1 = await open_ticket(ticket_stub, cast.customer_a, category="billing")
    a2 = await open_ticket(ticket_stub, cast.customer_a, category="billing", priority=ticket_pb2.TICKET_PRIORITY_HIGH)
    b1 = await open_ticket(ticket_stub, cast.customer_b, category="shipping")
    await open_ticket(ticket_stub, cast.customer_b)  # stays unassigned
    await _assign(ticket_stub, a1.id, cast.agent_a, cast.admin)
    await _assign(ticket_stub, a2.id, cast.agent_a, cast.admin)
    await _assign(ticket_stub, b1.id, cast.agent_b, cast.admin)
    await _reply(ticket_stub, a1.id, cast.agent_a, internal=True)  # a note is not a response
    await _reply(ticket_stub, a1.id, cast.agent_a)
    await _reply(ticket_stub, a1.id, cast.agent_a)  # only the first reply counts
    await move_to(ticket_stub, a1.id, ticket_pb2.TICKET_STATUS_RESOLVED, cast.agent_a)
    await move_to(ticket_stub, a2.id, ticket_pb2.TICKET_STATUS_RESOLVED, cast.agent_a)
    await _reply(ticket_stub, a2.id, cast.customer_a)  # the customer's reply reopens it
    assert app.reports is not None
    return {"folded": await app.reports.rollup.run_once(wait=True)}


async def test_an_administrator_sees_every_agent(report_stub: ReportStub, cast: Cast, history: dict[str, int]) -> None:
    report = await report_stub.GetTicketReport(
        report_service_pb2.GetTicketReportRequest(query=_query(group_by=report_pb2.REPORT_DIMENSION_AGENT)),
        metadata=cast.admin.metadata,
    )
    totals = {series.group.agent_id: series.total for series in report.series}
    assert set(totals) == {cast.agent_a.user_id, cast.agent_b.user_id, ""}
    agent_a = totals[cast.agent_a.user_id]
    # Created while unassigned: the creations count under "unassigned".
    assert (agent_a.created, agent_a.resolved, agent_a.reopened, agent_a.backlog) == (0, 2, 1, 1)
    assert agent_a.first_response.count == 1
    assert agent_a.resolution.count == 2
    assert totals[""].created == 4
    assert totals[""].backlog == 1
    assert totals[cast.agent_b.user_id].backlog == 1
    names = {series.group.agent_id: series.group.agent_display_name for series in report.series}
    assert names[cast.agent_a.user_id]
    assert report.HasField("data_time")


async def test_the_single_series_adds_up(report_stub: ReportStub, cast: Cast, history: dict[str, int]) -> None:
    report = await report_stub.GetTicketReport(
        report_service_pb2.GetTicketReportRequest(query=_query()), metadata=cast.admin.metadata
    )
    assert len(report.series) == 1
    (series,) = report.series
    assert (series.total.created, series.total.resolved, series.total.reopened, series.total.backlog) >= (4, 2, 1, 3)
    assert sum(point.created for point in series.points) == series.total.created
    # Days of Sao Paulo: each point starts at a local midnight (UTC-3).
    for point in series.points:
        assert point.start_time.ToDatetime(tzinfo=UTC).hour == 3


async def test_an_agent_sees_only_their_own_figures(
    report_stub: ReportStub, cast: Cast, history: dict[str, int]
) -> None:
    report = await report_stub.GetTicketReport(
        report_service_pb2.GetTicketReportRequest(query=_query(group_by=report_pb2.REPORT_DIMENSION_AGENT)),
        metadata=cast.agent_b.metadata,
    )
    assert [series.group.agent_id for series in report.series] == [cast.agent_b.user_id]
    assert report.series[0].total.backlog == 1
    assert report.series[0].total.resolved == 0


@pytest.mark.parametrize("other", ["agent", "missing"])
async def test_an_agent_naming_another_is_refused_alike(
    report_stub: ReportStub, cast: Cast, other: str, history: dict[str, int]
) -> None:
    agent_id = cast.agent_a.user_id if other == "agent" else str(uuid.uuid4())
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await report_stub.GetTicketReport(
            report_service_pb2.GetTicketReportRequest(query=_query(agent_id=agent_id)),
            metadata=cast.agent_b.metadata,
        )
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_info(refused.value).reason == "REPORT_OF_ANOTHER_AGENT"
    assert refused.value.details() == "agents read only their own figures"


async def test_a_customer_gets_nothing(report_stub: ReportStub, cast: Cast) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await report_stub.GetTicketReport(
            report_service_pb2.GetTicketReportRequest(query=_query()), metadata=cast.customer_a.metadata
        )
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"time_zone": ""}, {"query.time_zone"}),
        ({"time_zone": "Mars/Olympus_Mons"}, {"query.time_zone"}),
        # Half- and quarter-hour offsets are answered (their hours are cut from UTC quarter-hours).
        ({"time_zone": "Asia/Kolkata"}, set()),
        ({"time_zone": "Asia/Kathmandu", "bucket": report_pb2.REPORT_BUCKET_HOUR}, set()),
        ({"bucket": report_pb2.REPORT_BUCKET_UNSPECIFIED}, {"query.bucket"}),
        ({"agent_id": "not-a-uuid", "time_zone": "Nowhere/Else"}, {"query.agent_id", "query.time_zone"}),
        ({"bucket": report_pb2.REPORT_BUCKET_HOUR, "time_zone": "UTC"}, set()),
    ],
)
async def test_bad_queries_name_their_fields(
    report_stub: ReportStub, cast: Cast, fields: dict[str, object], bad: set[str]
) -> None:
    request = report_service_pb2.GetTicketReportRequest(query=_query(**fields))
    if not bad:
        await report_stub.GetTicketReport(request, metadata=cast.admin.metadata)
        return
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await report_stub.GetTicketReport(request, metadata=cast.admin.metadata)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(refused.value) == bad


@pytest.mark.parametrize(("zone", "minute"), [("Asia/Kolkata", 30), ("Asia/Kathmandu", 15), ("America/St_Johns", 30)])
async def test_hours_of_a_fractional_zone_are_its_local_hours(
    report_stub: ReportStub, cast: Cast, history: dict[str, int], zone: str, minute: int
) -> None:
    hourly = _query(time_zone=zone, bucket=report_pb2.REPORT_BUCKET_HOUR)
    report = await report_stub.GetTicketReport(
        report_service_pb2.GetTicketReportRequest(query=hourly), metadata=cast.admin.metadata
    )
    (series,) = report.series
    # Each point starts at a local hh:00, i.e. at `minute` past a UTC hour, an hour after the previous one.
    starts = [point.start_time.ToDatetime(tzinfo=UTC) for point in series.points]
    assert {start.minute for start in starts} == {minute}
    assert all(later - earlier == timedelta(hours=1) for earlier, later in pairwise(starts))
    # The same tickets as the report in UTC over the same instants.
    utc = _query(time_zone="UTC", bucket=report_pb2.REPORT_BUCKET_HOUR)
    utc.start_time.FromDatetime(starts[0] - timedelta(minutes=minute))
    utc.end_time.FromDatetime(starts[-1] + timedelta(hours=1))
    whole = await report_stub.GetTicketReport(
        report_service_pb2.GetTicketReportRequest(query=utc), metadata=cast.admin.metadata
    )
    assert series.total.created == whole.series[0].total.created >= 4
    assert series.total.resolved == whole.series[0].total.resolved >= 2


@pytest.mark.parametrize(
    ("zone", "bucket", "start", "end", "bad"),
    [
        # More than 744 hours.
        ("America/Sao_Paulo", report_pb2.REPORT_BUCKET_HOUR, datetime(2026, 1, 1), datetime(2026, 3, 1), "end_time"),
        # Kolkata's clocks ran at +5:21:10 until 1906: no bucket of those days starts on a UTC quarter-hour.
        ("Asia/Kolkata", report_pb2.REPORT_BUCKET_DAY, datetime(1900, 1, 1), datetime(1900, 1, 8), "time_zone"),
    ],
)
async def test_ranges_the_rollups_cannot_cut_are_refused(
    report_stub: ReportStub, cast: Cast, zone: str, bucket: int, start: datetime, end: datetime, bad: str
) -> None:
    query = _query(time_zone=zone, bucket=bucket)
    query.start_time.FromDatetime(start.replace(tzinfo=UTC))
    query.end_time.FromDatetime(end.replace(tzinfo=UTC))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await report_stub.GetTicketReport(
            report_service_pb2.GetTicketReportRequest(query=query), metadata=cast.admin.metadata
        )
    assert bad_fields(refused.value) == {f"query.{bad}"}


async def test_the_csv_export_holds_the_report(report_stub: ReportStub, cast: Cast, history: dict[str, int]) -> None:
    query = _query(group_by=report_pb2.REPORT_DIMENSION_AGENT)
    chunks = [
        chunk
        async for chunk in report_stub.ExportReport(
            report_service_pb2.ExportReportRequest(kind=report_pb2.REPORT_KIND_TICKETS, query=query),
            metadata=cast.admin.metadata,
        )
    ]
    assert chunks[0].content_type == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(chunk.data for chunk in chunks).decode())))
    report = await report_stub.GetTicketReport(
        report_service_pb2.GetTicketReportRequest(query=query), metadata=cast.admin.metadata
    )
    assert len(rows) == sum(len(series.points) for series in report.series)
    by_agent: dict[str, int] = {}
    for row in rows:
        by_agent[row["agent_id"]] = by_agent.get(row["agent_id"], 0) + int(row["resolved"])
        assert row["bucket_start"].endswith("-03:00")
    assert by_agent[cast.agent_a.user_id] == 2

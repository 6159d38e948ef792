"""CSV export rows: one per series and bucket, local bucket starts, formula-looking text neutralised."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from helpdesk.v1 import report_pb2
from server.reports.export import CHUNK_BYTES, csv_chunks, report_rows


def _report(category: str, points: int) -> report_pb2.TicketReport:
    series = report_pb2.TicketSeries(group=report_pb2.ReportGroup(category=category))
    for day in range(points):
        point = series.points.add(created=day, backlog=10 - day)
        point.start_time.FromDatetime(datetime(2026, 3, 1 + day % 28, 3, tzinfo=UTC))
        point.resolution.count = 2
        point.resolution.median.seconds = 90
    return report_pb2.TicketReport(series=[series])


def _rows(report: report_pb2.TicketReport, zone: str) -> list[dict[str, str]]:
    data = b"".join(csv_chunks(report_rows(report, ZoneInfo(zone))))
    return list(csv.DictReader(io.StringIO(data.decode())))


def test_one_row_per_bucket_with_flattened_figures() -> None:
    rows = _rows(_report("billing", 3), "America/Sao_Paulo")
    assert [row["created"] for row in rows] == ["0", "1", "2"]
    assert rows[0]["bucket_start"] == "2026-03-01T00:00:00-03:00"
    assert rows[0]["resolution_count"] == "2"
    assert rows[0]["resolution_median_seconds"] == "90.0"
    assert rows[0]["first_response_count"] == "0"
    assert rows[0]["category"] == "billing"


def test_text_a_spreadsheet_would_run_is_neutralised() -> None:
    (row,) = _rows(_report('=HYPERLINK("http://x")', 1), "UTC")
    assert row["category"] == '\'=HYPERLINK("http://x")'


def test_large_exports_come_in_chunks() -> None:
    chunks = list(csv_chunks(report_rows(_report("", 3000), ZoneInfo("UTC"))))
    assert len(chunks) > 1
    assert all(len(chunk) < 2 * CHUNK_BYTES for chunk in chunks)

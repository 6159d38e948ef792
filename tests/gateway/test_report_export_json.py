"""The CSV export through the JSON gateway: one `text/csv` body, streamed from the server's HttpBody chunks."""

from __future__ import annotations

import asyncio
import csv
import io

import grpc.aio

from helpdesk.v1 import auth_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Role
from tests.gateway.wire import http_request
from tests.support import sign_in_as


async def test_the_export_is_a_csv_download(app: HelpdeskApp, gateway: str) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
        admin = await sign_in_as(app, auth_service_pb2_grpc.AuthServiceStub(channel), Role.ADMIN)
    body = {
        "kind": "REPORT_KIND_TICKETS",
        "query": {
            "startTime": "2026-01-01T00:00:00Z",
            "endTime": "2026-01-15T00:00:00Z",
            "timeZone": "America/Sao_Paulo",
            "bucket": "REPORT_BUCKET_DAY",
        },
    }
    response = await asyncio.to_thread(
        http_request,
        "POST",
        f"{gateway}/v1/reports:export",
        body=body,
        headers={"authorization": f"Bearer {admin.access_token}"},
    )
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.body.decode())))
    # 00:00 UTC is 21:00 the day before in São Paulo: the range widens to whole local days, 15 of them.
    assert len(rows) == 15
    assert rows[0]["bucket_start"] == "2025-12-31T00:00:00-03:00"
    assert {row["created"] for row in rows} == {"0"}

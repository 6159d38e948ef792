"""ReportService over gRPC: protobuf in, domain call, protobuf out. No SQL, no rules here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import grpc
from google.api import httpbody_pb2
from google.protobuf.message import Message

from helpdesk.v1 import report_pb2, report_service_pb2, report_service_pb2_grpc
from server.core.context import require_principal
from server.core.errors import InvalidArgument
from server.reports import convert
from server.reports.domain import Reports
from server.reports.export import csv_chunks, report_rows

_Context = grpc.aio.ServicerContext[Any, Any]
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


class ReportServicer(report_service_pb2_grpc.ReportServiceServicer):
    """Transport for reports."""

    def __init__(self, *, reports: Reports) -> None:
        self._reports = reports

    async def GetTicketReport(
        self, request: report_service_pb2.GetTicketReportRequest, context: _Context
    ) -> report_pb2.TicketReport:
        """Ticket figures."""
        return await self._tickets(request.query)

    async def GetChatReport(
        self, request: report_service_pb2.GetChatReportRequest, context: _Context
    ) -> report_pb2.ChatReport:
        """Chat figures."""
        return await self._chats(request.query)

    async def GetSatisfactionReport(
        self, request: report_service_pb2.GetSatisfactionReportRequest, context: _Context
    ) -> report_pb2.SatisfactionReport:
        """Satisfaction figures."""
        return await self._satisfaction(request.query)

    async def GetAgentLoadReport(
        self, request: report_service_pb2.GetAgentLoadReportRequest, context: _Context
    ) -> report_pb2.AgentLoadReport:
        """Agent load figures."""
        return await self._agent_load(request.query)

    async def ExportReport(
        self, request: report_service_pb2.ExportReportRequest, context: _Context
    ) -> AsyncIterator[httpbody_pb2.HttpBody]:
        """One report as CSV chunks; the first names the content type."""
        makers = {
            report_pb2.REPORT_KIND_TICKETS: self._tickets,
            report_pb2.REPORT_KIND_CHATS: self._chats,
            report_pb2.REPORT_KIND_SATISFACTION: self._satisfaction,
            report_pb2.REPORT_KIND_AGENT_LOAD: self._agent_load,
        }
        make = makers.get(request.kind)
        if make is None:
            raise InvalidArgument.field("kind", "is required: tickets, chats, satisfaction or agent load")
        report: Message = await make(request.query)
        first = True
        for chunk in csv_chunks(report_rows(report, ZoneInfo(request.query.time_zone))):
            yield httpbody_pb2.HttpBody(content_type=CSV_CONTENT_TYPE if first else "", data=chunk)
            first = False

    async def _tickets(self, query: report_pb2.ReportQuery) -> report_pb2.TicketReport:
        report = await self._reports.tickets(principal=require_principal(), query=convert.query_input(query))
        return convert.ticket_report(report)

    async def _chats(self, query: report_pb2.ReportQuery) -> report_pb2.ChatReport:
        report = await self._reports.chats(principal=require_principal(), query=convert.query_input(query))
        return convert.chat_report(report)

    async def _satisfaction(self, query: report_pb2.ReportQuery) -> report_pb2.SatisfactionReport:
        report = await self._reports.satisfaction(principal=require_principal(), query=convert.query_input(query))
        return convert.satisfaction_report(report)

    async def _agent_load(self, query: report_pb2.ReportQuery) -> report_pb2.AgentLoadReport:
        report = await self._reports.agent_load(principal=require_principal(), query=convert.query_input(query))
        return convert.agent_load_report(report)

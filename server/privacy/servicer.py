"""PrivacyService over gRPC: protobuf in, domain call, protobuf out. No SQL, no rules here."""

from __future__ import annotations

from typing import Any

import grpc

from helpdesk.v1 import personal_data_pb2, privacy_service_pb2, privacy_service_pb2_grpc
from server.core.context import require_principal
from server.privacy.convert import erasure_to_proto, export_to_proto
from server.privacy.domain import PersonalData

_Context = grpc.aio.ServicerContext[Any, Any]
_Service = privacy_service_pb2


class PrivacyServicer(privacy_service_pb2_grpc.PrivacyServiceServicer):
    """Transport for personal-data requests."""

    def __init__(self, *, personal_data: PersonalData) -> None:
        self._personal_data = personal_data

    async def ExportMyData(
        self, request: _Service.ExportMyDataRequest, context: _Context
    ) -> personal_data_pb2.PersonalDataExport:
        """The caller's data, or (administrators) another user's."""
        export = await self._personal_data.export(principal=require_principal(), user_id=request.user_id)
        return export_to_proto(export)

    async def EraseCustomer(
        self, request: _Service.EraseCustomerRequest, context: _Context
    ) -> personal_data_pb2.CustomerErasure:
        """Erases a customer, confirmed by their etag."""
        event = await self._personal_data.erase(
            principal=require_principal(), user_id=request.user_id, etag=request.etag
        )
        return erasure_to_proto(event)

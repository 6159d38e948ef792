"""PrivacyService over gRPC: protobuf in, domain call, protobuf out. No SQL, no rules here."""

from __future__ import annotations

from typing import Any

import grpc

from helpdesk.v1 import personal_data_pb2, privacy_service_pb2, privacy_service_pb2_grpc, retention_policy_pb2
from server.core.context import require_principal
from server.core.update_mask import effective_update_mask
from server.privacy.convert import erasure_to_proto, export_to_proto, policy_to_proto
from server.privacy.domain import PersonalData, ensure_export_fits
from server.privacy.retention import UPDATABLE_FIELDS, RetentionPolicies

_Context = grpc.aio.ServicerContext[Any, Any]
_Service = privacy_service_pb2
_FRAME_HEADROOM_BYTES = 16 * 1024


class PrivacyServicer(privacy_service_pb2_grpc.PrivacyServiceServicer):
    """Transport for personal-data requests."""

    def __init__(self, *, personal_data: PersonalData, policies: RetentionPolicies, max_message_bytes: int) -> None:
        self._personal_data = personal_data
        self._policies = policies
        # The gRPC frame and the trailers take a little beside the message itself.
        self._max_export_bytes = max_message_bytes - _FRAME_HEADROOM_BYTES

    async def ExportMyData(
        self, request: _Service.ExportMyDataRequest, context: _Context
    ) -> personal_data_pb2.PersonalDataExport:
        """The caller's data, or (administrators) another user's."""
        export = await self._personal_data.export(principal=require_principal(), user_id=request.user_id)
        message = export_to_proto(export)
        ensure_export_fits(size_bytes=message.ByteSize(), limit_bytes=self._max_export_bytes)
        return message

    async def EraseCustomer(
        self, request: _Service.EraseCustomerRequest, context: _Context
    ) -> personal_data_pb2.CustomerErasure:
        """Erases a customer, confirmed by their etag."""
        event = await self._personal_data.erase(
            principal=require_principal(), user_id=request.user_id, etag=request.etag
        )
        return erasure_to_proto(event)

    async def GetRetentionPolicy(
        self, request: _Service.GetRetentionPolicyRequest, context: _Context
    ) -> retention_policy_pb2.RetentionPolicy:
        """The retention periods and the job's last pass."""
        return policy_to_proto(await self._policies.get())

    async def UpdateRetentionPolicy(
        self, request: _Service.UpdateRetentionPolicyRequest, context: _Context
    ) -> retention_policy_pb2.RetentionPolicy:
        """Changes the retention periods."""
        policy = request.retention_policy
        paths = effective_update_mask(request.update_mask, policy, UPDATABLE_FIELDS)
        updated = await self._policies.update(
            principal=require_principal(),
            paths=paths,
            closed_ticket_days=policy.closed_ticket_days,
            ended_chat_days=policy.ended_chat_days,
            etag=policy.etag,
        )
        return policy_to_proto(updated)

"""SlaService over gRPC: protobuf in, domain call, protobuf out. No SQL, no rules here."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import empty_pb2

from helpdesk.v1 import sla_policy_pb2, sla_service_pb2, sla_service_pb2_grpc
from server.core.context import require_principal
from server.core.update_mask import effective_update_mask
from server.sla.convert import UPDATABLE_FIELDS, policy_input, policy_to_proto
from server.sla.domain import SlaPolicies

_Context = grpc.aio.ServicerContext[Any, Any]


class SlaServicer(sla_service_pb2_grpc.SlaServiceServicer):
    """Transport for SLA policies."""

    def __init__(self, *, policies: SlaPolicies) -> None:
        self._policies = policies

    async def CreateSlaPolicy(
        self, request: sla_service_pb2.CreateSlaPolicyRequest, context: _Context
    ) -> sla_policy_pb2.SlaPolicy:
        """Creates a policy (idempotent with `request_id`)."""
        policy = await self._policies.create(
            principal=require_principal(), policy=policy_input(request.sla_policy), request_id=request.request_id
        )
        return policy_to_proto(policy)

    async def GetSlaPolicy(
        self, request: sla_service_pb2.GetSlaPolicyRequest, context: _Context
    ) -> sla_policy_pb2.SlaPolicy:
        """Returns one policy."""
        return policy_to_proto(await self._policies.get(policy_id=request.id))

    async def ListSlaPolicies(
        self, request: sla_service_pb2.ListSlaPoliciesRequest, context: _Context
    ) -> sla_service_pb2.ListSlaPoliciesResponse:
        """Lists the policies, most urgent priority first."""
        policies, next_page_token = await self._policies.list(
            page_size=request.page_size, page_token=request.page_token
        )
        return sla_service_pb2.ListSlaPoliciesResponse(
            sla_policies=[policy_to_proto(policy) for policy in policies], next_page_token=next_page_token
        )

    async def UpdateSlaPolicy(
        self, request: sla_service_pb2.UpdateSlaPolicyRequest, context: _Context
    ) -> sla_policy_pb2.SlaPolicy:
        """Changes the fields named in the update mask."""
        paths = effective_update_mask(request.update_mask, request.sla_policy, UPDATABLE_FIELDS)
        policy = await self._policies.update(
            policy_id=request.sla_policy.id,
            paths=paths,
            policy=policy_input(request.sla_policy),
            etag=request.sla_policy.etag,
        )
        return policy_to_proto(policy)

    async def DeleteSlaPolicy(
        self, request: sla_service_pb2.DeleteSlaPolicyRequest, context: _Context
    ) -> empty_pb2.Empty:
        """Deletes a policy."""
        await self._policies.delete(policy_id=request.id, etag=request.etag)
        return empty_pb2.Empty()

"""CannedResponseService over gRPC: protobuf in, domain call, protobuf out. No SQL, no rules here."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import empty_pb2

from helpdesk.v1 import canned_response_pb2, canned_response_service_pb2, canned_response_service_pb2_grpc
from server.core.context import require_principal
from server.core.update_mask import effective_update_mask
from server.responses.convert import response_to_proto, scope_from_proto
from server.responses.domain import UPDATABLE_FIELDS, CannedResponses

_Context = grpc.aio.ServicerContext[Any, Any]
_Service = canned_response_service_pb2


class CannedResponseServicer(canned_response_service_pb2_grpc.CannedResponseServiceServicer):
    """Transport for canned responses."""

    def __init__(self, *, responses: CannedResponses) -> None:
        self._responses = responses

    async def CreateCannedResponse(
        self, request: _Service.CreateCannedResponseRequest, context: _Context
    ) -> canned_response_pb2.CannedResponse:
        """Creates a shared or personal response (idempotent with `request_id`)."""
        record = await self._responses.create(
            principal=require_principal(),
            title=request.canned_response.title,
            body=request.canned_response.body,
            scope=scope_from_proto(request.canned_response.scope, field="canned_response.scope"),
            request_id=request.request_id,
        )
        return response_to_proto(record)

    async def GetCannedResponse(
        self, request: _Service.GetCannedResponseRequest, context: _Context
    ) -> canned_response_pb2.CannedResponse:
        """One response the caller may see."""
        return response_to_proto(await self._responses.get(principal=require_principal(), response_id=request.id))

    async def ListCannedResponses(
        self, request: _Service.ListCannedResponsesRequest, context: _Context
    ) -> _Service.ListCannedResponsesResponse:
        """Lists or searches the responses the caller may see."""
        records, next_page_token = await self._responses.list_page(
            principal=require_principal(),
            query=request.query,
            scope=scope_from_proto(request.scope, field="scope"),
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return _Service.ListCannedResponsesResponse(
            canned_responses=[response_to_proto(r) for r in records], next_page_token=next_page_token
        )

    async def UpdateCannedResponse(
        self, request: _Service.UpdateCannedResponseRequest, context: _Context
    ) -> canned_response_pb2.CannedResponse:
        """Edits the title or body."""
        paths = effective_update_mask(request.update_mask, request.canned_response, UPDATABLE_FIELDS)
        record = await self._responses.update(
            principal=require_principal(),
            response_id=request.canned_response.id,
            paths=paths,
            title=request.canned_response.title,
            body=request.canned_response.body,
            etag=request.canned_response.etag,
        )
        return response_to_proto(record)

    async def DeleteCannedResponse(
        self, request: _Service.DeleteCannedResponseRequest, context: _Context
    ) -> empty_pb2.Empty:
        """Deletes a response the caller may write."""
        await self._responses.delete(principal=require_principal(), response_id=request.id, etag=request.etag)
        return empty_pb2.Empty()

    async def RenderCannedResponse(
        self, request: _Service.RenderCannedResponseRequest, context: _Context
    ) -> _Service.RenderCannedResponseResponse:
        """Fills the placeholders for one ticket."""
        rendered = await self._responses.render(
            principal=require_principal(), response_id=request.id, ticket_id=request.ticket_id
        )
        return _Service.RenderCannedResponseResponse(
            body=rendered.body, canned_response=response_to_proto(rendered.response)
        )

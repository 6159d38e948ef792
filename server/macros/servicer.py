"""MacroService over gRPC: protobuf in, domain call, protobuf out. No SQL, no rules here."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import empty_pb2

from helpdesk.v1 import macro_pb2, macro_service_pb2, macro_service_pb2_grpc
from server.core.context import require_principal
from server.core.update_mask import effective_update_mask
from server.macros.convert import actions_from_proto, macro_to_proto
from server.macros.domain import UPDATABLE_FIELDS, Macros
from server.tickets.convert import message_to_proto, ticket_to_proto

_Context = grpc.aio.ServicerContext[Any, Any]
_Service = macro_service_pb2


class MacroServicer(macro_service_pb2_grpc.MacroServiceServicer):
    """Transport for macros."""

    def __init__(self, *, macros: Macros) -> None:
        self._macros = macros

    async def CreateMacro(self, request: _Service.CreateMacroRequest, context: _Context) -> macro_pb2.Macro:
        """Creates a macro (idempotent with `request_id`)."""
        record = await self._macros.create(
            principal=require_principal(),
            name=request.macro.name,
            description=request.macro.description,
            actions=actions_from_proto(request.macro.actions),
            request_id=request.request_id,
        )
        return macro_to_proto(record)

    async def GetMacro(self, request: _Service.GetMacroRequest, context: _Context) -> macro_pb2.Macro:
        """One macro."""
        return macro_to_proto(await self._macros.get(macro_id=request.id))

    async def ListMacros(self, request: _Service.ListMacrosRequest, context: _Context) -> _Service.ListMacrosResponse:
        """A page of macros by name."""
        records, next_page_token = await self._macros.list_page(
            page_size=request.page_size, page_token=request.page_token
        )
        return _Service.ListMacrosResponse(macros=[macro_to_proto(r) for r in records], next_page_token=next_page_token)

    async def UpdateMacro(self, request: _Service.UpdateMacroRequest, context: _Context) -> macro_pb2.Macro:
        """Edits the fields named in the update mask."""
        paths = effective_update_mask(request.update_mask, request.macro, UPDATABLE_FIELDS)
        record = await self._macros.update(
            principal=require_principal(),
            macro_id=request.macro.id,
            paths=paths,
            name=request.macro.name,
            description=request.macro.description,
            actions=actions_from_proto(request.macro.actions) if "actions" in paths else [],
            etag=request.macro.etag,
        )
        return macro_to_proto(record)

    async def DeleteMacro(self, request: _Service.DeleteMacroRequest, context: _Context) -> empty_pb2.Empty:
        """Deletes a macro."""
        await self._macros.delete(macro_id=request.id, etag=request.etag)
        return empty_pb2.Empty()

    async def ApplyMacro(self, request: _Service.ApplyMacroRequest, context: _Context) -> _Service.ApplyMacroResponse:
        """Applies the macro to a ticket, all or nothing."""
        principal = require_principal()
        applied = await self._macros.apply(
            principal=principal,
            macro_id=request.id,
            ticket_id=request.ticket_id,
            etag=request.etag,
            request_id=request.request_id,
        )
        return _Service.ApplyMacroResponse(
            ticket=ticket_to_proto(applied.ticket, staff=principal.is_staff),
            messages=[message_to_proto(m) for m in applied.messages],
        )

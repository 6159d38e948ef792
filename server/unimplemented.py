"""Handlers for API services that are part of the contract but not served yet: UNIMPLEMENTED."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

from server.core.errors import Unimplemented


def _handler(method: MethodDescriptor) -> grpc.RpcMethodHandler[Any, Any]:
    request_class = message_factory.GetMessageClass(method.input_type)
    response_class = message_factory.GetMessageClass(method.output_type)
    message = f"{method.full_name} is not implemented yet"

    async def unary(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        raise Unimplemented(message)

    async def streaming(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
        raise Unimplemented(message)
        yield  # pragma: no cover - makes this an async generator

    factory: Any = {
        (False, False): grpc.unary_unary_rpc_method_handler,
        (False, True): grpc.unary_stream_rpc_method_handler,
        (True, False): grpc.stream_unary_rpc_method_handler,
        (True, True): grpc.stream_stream_rpc_method_handler,
    }[(method.client_streaming, method.server_streaming)]
    behaviour = streaming if method.server_streaming else unary
    handler: grpc.RpcMethodHandler[Any, Any] = factory(
        behaviour,
        request_deserializer=request_class.FromString,
        response_serializer=response_class.SerializeToString,
    )
    return handler


def unimplemented_service(service: ServiceDescriptor) -> grpc.GenericRpcHandler:
    """A handler answering every method of `service` with UNIMPLEMENTED (through the interceptors)."""
    return grpc.method_handlers_generic_handler(
        service.full_name, {method.name: _handler(method) for method in service.methods}
    )

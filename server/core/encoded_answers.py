"""Methods that answer with their reply already encoded: grpc sends the bytes as they are.

A reply assembled from kept encoded parts (a cached page, tickets kept serialized) would
otherwise be parsed into a message only for grpc to serialize it again, which costs about what
building it did. A method handler without a response serializer makes grpc.aio send what the
behaviour returns unchanged (and the server interceptor keeps the handler's serializer as it
is). Only the methods named opt in: every other method keeps its generated handler, at no
extra cost. The servicer's own method of the same name stays as generated (returning a
message), so its signature is the contract's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeAlias, TypeVar, cast

import grpc
import grpc.aio

# What answers a unary method with its encoded reply: (request, context) -> the reply's bytes.
EncodedAnswer: TypeAlias = "Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[bytes]]"

_Servicer = TypeVar("_Servicer")


def add_with_encoded_answers(
    add: Callable[[_Servicer, grpc.aio.Server], None],
    servicer: _Servicer,
    server: grpc.aio.Server,
    answers: Mapping[str, EncodedAnswer],
) -> None:
    """Adds `servicer` to `server` with the generated `add` function, the methods in `answers` answered in bytes.

    Each named method runs its answer with the generated request deserializer and no response
    serializer. A name that is not a unary method of the service is refused (ValueError), so a
    typo cannot silently leave the slower path in place.
    """
    collected = _HandlerCollector()
    # The generated function calls nothing of a server but the two methods the collector has.
    add(servicer, cast(grpc.aio.Server, collected))
    if collected.service_name is None:
        raise ValueError("the add function registered no service")
    handlers = dict(collected.handlers)
    for name, answer in answers.items():
        generated = handlers.get(name)
        if generated is None or generated.request_streaming or generated.response_streaming:
            raise ValueError(f"{collected.service_name} has no unary method {name!r}")
        handlers[name] = grpc.unary_unary_rpc_method_handler(
            answer, request_deserializer=generated.request_deserializer
        )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(collected.service_name, handlers),))
    server.add_registered_method_handlers(collected.service_name, handlers)


def varint(value: int) -> bytes:
    """`value` (0 or more) as a protobuf base-128 varint."""
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def delimited(key: bytes, payload: bytes) -> bytes:
    """A length-delimited field, encoded: its key, the payload's length as a varint, the payload."""
    size = len(payload)
    if size < 0x80:
        return key + bytes((size,)) + payload
    return key + varint(size) + payload


class _HandlerCollector:
    """Stands in for a server to collect the generated method handlers (nothing is served)."""

    def __init__(self) -> None:
        self.service_name: str | None = None
        self.handlers: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}

    def add_generic_rpc_handlers(self, handlers: object) -> None:
        """Ignored: the same handlers are also given by name."""

    def add_registered_method_handlers(
        self, service_name: str, handlers: Mapping[str, grpc.RpcMethodHandler[Any, Any]]
    ) -> None:
        """Keeps the service's handlers by method name."""
        if self.service_name not in (None, service_name):
            raise ValueError(f"one service at a time: {self.service_name} and {service_name}")
        self.service_name = service_name
        self.handlers.update(handlers)

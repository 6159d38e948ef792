"""Talking to the gateway by hand: plain HTTP (JSON) and gRPC-Web framing, standard library only."""

from __future__ import annotations

import base64
import http.client
import json
import struct
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, TypeVar

from google.protobuf.message import Message

from tests.gateway.openapi_check import check_response

M = TypeVar("M", bound=Message)

_DATA_FRAME = 0x00
_TRAILER_FRAME = 0x80


@dataclass
class HttpResponse:
    """Status, lower-cased headers and body of one HTTP exchange."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def http_request(
    method: str, url: str, *, body: bytes | dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> HttpResponse:
    """One HTTP/1.1 request; any status is returned, never raised.

    A JSON answer on an API route is checked against the OpenAPI document (`openapi_check`).
    """
    parsed = urllib.parse.urlsplit(url)
    headers = dict(headers or {})
    if isinstance(body, dict):
        body = json.dumps(body).encode()
        headers.setdefault("content-type", "application/json")
    connection = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port or 80, timeout=30)
    try:
        target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        result = HttpResponse(
            status=response.status,
            headers={name.lower(): value for name, value in response.getheaders()},
            body=response.read(),
        )
    finally:
        connection.close()
    check_response(method, parsed.path, result.status, result.headers.get("content-type", ""), result.body)
    return result


@dataclass
class GrpcWebResult:
    """A decoded gRPC-Web response: the messages, the trailers and the grpc-status."""

    http_status: int
    headers: dict[str, str]
    messages: list[bytes]
    trailers: dict[str, str] = field(default_factory=dict)

    def trailer(self, name: str) -> str | None:
        """A trailer: from the trailer frame, or from the headers of a trailers-only answer."""
        if self.trailers:
            return self.trailers.get(name)
        return self.headers.get(name)

    @property
    def grpc_status(self) -> int:
        """The call's status code."""
        return int(self.trailer("grpc-status") or "2")

    @property
    def grpc_message(self) -> str:
        """The status message, percent-decoded."""
        return urllib.parse.unquote(self.trailer("grpc-message") or "")

    def message(self, kind: type[M]) -> M:
        """The single response message, parsed as `kind`."""
        assert len(self.messages) == 1, f"expected one message, got {len(self.messages)}"
        return kind.FromString(self.messages[0])


def grpc_web_frame(message: Message) -> bytes:
    """One uncompressed gRPC-Web data frame carrying `message`."""
    payload = message.SerializeToString()
    return struct.pack(">BI", _DATA_FRAME, len(payload)) + payload


def parse_grpc_web_body(body: bytes) -> tuple[list[bytes], dict[str, str]]:
    """Splits a gRPC-Web response body into its data frames and its trailer frame."""
    messages: list[bytes] = []
    trailers: dict[str, str] = {}
    offset = 0
    while offset < len(body):
        flags, length = struct.unpack_from(">BI", body, offset)
        offset += 5
        chunk = body[offset : offset + length]
        offset += length
        if flags & _TRAILER_FRAME:
            for line in chunk.decode().split("\r\n"):
                if line:
                    name, _, value = line.partition(":")
                    trailers[name.strip().lower()] = value.strip()
        else:
            messages.append(chunk)
    return messages, trailers


def grpc_web_call(
    base_url: str,
    method: str,
    request: Message,
    *,
    text: bool = False,
    headers: dict[str, str] | None = None,
) -> GrpcWebResult:
    """A unary gRPC-Web call of `method` (`/package.Service/Method`), binary or text (base64) encoding."""
    body = grpc_web_frame(request)
    content_type = "application/grpc-web-text" if text else "application/grpc-web+proto"
    response = http_request(
        "POST",
        base_url + method,
        body=base64.b64encode(body) if text else body,
        headers={"content-type": content_type, "accept": content_type, "x-grpc-web": "1", **(headers or {})},
    )
    raw = response.body
    if text:
        # The text encoding may be several padded base64 chunks back to back (one per frame);
        # every 4-character group decodes on its own, padding or not.
        raw = b"".join(base64.b64decode(raw[i : i + 4]) for i in range(0, len(raw), 4))
    messages, trailers = parse_grpc_web_body(raw)
    return GrpcWebResult(http_status=response.status, headers=response.headers, messages=messages, trailers=trailers)

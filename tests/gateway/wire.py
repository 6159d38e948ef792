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


@dataclass
class StreamResult:
    """The first messages of a long HTTP response (a server stream), read until enough arrived."""

    status: int
    headers: dict[str, str]
    messages: list[bytes]
    # Connect streams: the end-of-stream message (`{"error": ...}` or `{}`) when the stream ended.
    end: dict[str, Any] | None = None


def _read_until(response: http.client.HTTPResponse, done: Any) -> bytes:
    """Reads what arrives until `done(received)` holds or the response ends."""
    received = b""
    while not done(received):
        chunk = response.read1(65536)
        if not chunk:
            break
        received += chunk
    return received


def ndjson_stream(url: str, *, headers: dict[str, str] | None = None, messages: int = 1) -> StreamResult:
    """GET a server stream as newline-delimited JSON; returns its first `messages` lines, then hangs up.

    Each line is also checked against the OpenAPI document (one object per line).
    """
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port or 80, timeout=30)
    try:
        target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        connection.request("GET", target, headers=headers or {})
        response = connection.getresponse()
        received = _read_until(response, lambda got: got.count(b"\n") >= messages)
        result = StreamResult(
            status=response.status,
            headers={name.lower(): value for name, value in response.getheaders()},
            messages=[line for line in received.split(b"\n") if line.strip()][:messages],
        )
    finally:
        connection.close()
    check_response(
        "GET", parsed.path, result.status, result.headers.get("content-type", ""), b"\n".join(result.messages)
    )
    return result


def connect_unary(
    base_url: str, method: str, request: Message, *, headers: dict[str, str] | None = None
) -> HttpResponse:
    """A unary Connect call (binary codec): the request message as the body, answered the same way."""
    return http_request(
        "POST",
        base_url + method,
        body=request.SerializeToString(),
        headers={"content-type": "application/proto", "connect-protocol-version": "1", **(headers or {})},
    )


def connect_server_stream(
    base_url: str, method: str, request: Message, *, headers: dict[str, str] | None = None, messages: int = 1
) -> StreamResult:
    """A server-streaming Connect call (enveloped binary codec): its first `messages` messages, or its end."""
    parsed = urllib.parse.urlsplit(base_url)
    payload = request.SerializeToString()
    body = struct.pack(">BI", 0, len(payload)) + payload
    sent = {"content-type": "application/connect+proto", "connect-protocol-version": "1", **(headers or {})}

    def envelopes(data: bytes) -> tuple[list[bytes], dict[str, Any] | None]:
        found: list[bytes] = []
        offset = 0
        while offset + 5 <= len(data):
            flags, length = struct.unpack_from(">BI", data, offset)
            if offset + 5 + length > len(data):
                break
            chunk = data[offset + 5 : offset + 5 + length]
            offset += 5 + length
            if flags & 0x02:
                return found, json.loads(chunk or b"{}")
            found.append(chunk)
        return found, None

    def enough(data: bytes) -> bool:
        found, end = envelopes(data)
        return end is not None or len(found) >= messages

    connection = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port or 80, timeout=30)
    try:
        connection.request("POST", method, body=body, headers=sent)
        response = connection.getresponse()
        found, end = envelopes(_read_until(response, enough))
        return StreamResult(
            status=response.status,
            headers={name.lower(): value for name, value in response.getheaders()},
            messages=found[:messages],
            end=end,
        )
    finally:
        connection.close()

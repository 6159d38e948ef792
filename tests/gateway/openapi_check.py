"""Every JSON answer the gateway tests see is checked against the generated OpenAPI document.

`tests.gateway.wire.http_request` calls `check_response` on each exchange with a `/v1/` path and
a JSON body, so every gateway test also proves that the committed document
(`clients/openapi/helpdesk.v1.openapi.json`) describes what the real gateway answers: a success
against the operation's response schema (each message of a stream), an error against
`google.rpc.Status` (whose ErrorInfo `reason` must be a `helpdesk.v1.ErrorReason` name once
that enum exists). The schemas refuse unknown fields, so a field the document does not know fails.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOCUMENT_PATH = Path(__file__).resolve().parents[2] / "clients" / "openapi" / "helpdesk.v1.openapi.json"
_BASE_URI = "urn:helpdesk:openapi"
_VARIABLE = re.compile(r"\{[^}]+\}")


@dataclass(frozen=True)
class Operation:
    """One routed operation: its verb, path pattern and success schema."""

    verb: str
    template: str
    pattern: re.Pattern[str]
    operation_id: str
    response_schema: dict[str, Any]
    streaming: bool


@functools.cache
def document() -> dict[str, Any]:
    """The committed OpenAPI document."""
    loaded: dict[str, Any] = json.loads(DOCUMENT_PATH.read_text())
    return loaded


@functools.cache
def _registry() -> Registry:
    resource: Resource[Any] = Resource.from_contents(document(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(_BASE_URI, resource)
    return registry


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, registry=_registry())


def _absolute(schema: Any) -> Any:
    """`schema` with its document-local references (`#/components/...`) made absolute."""
    if isinstance(schema, dict):
        return {
            key: _BASE_URI + value if key == "$ref" and value.startswith("#") else _absolute(value)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_absolute(item) for item in schema]
    return schema


@functools.cache
def operations() -> tuple[Operation, ...]:
    """Every operation of the document, with the regular expression its path matches."""
    found = []
    for template, item in document()["paths"].items():
        regex = "".join(
            "[^/:]+" if part.startswith("{") else re.escape(part) for part in re.split(r"(\{[^}]+\})", template)
        )
        for verb, operation in item.items():
            found.append(
                Operation(
                    verb=verb.upper(),
                    template=template,
                    pattern=re.compile(f"^{regex}$"),
                    operation_id=operation["operationId"],
                    response_schema=operation["responses"]["200"]["content"]["application/json"]["schema"],
                    streaming=operation.get("x-helpdesk-stream") == "server",
                )
            )
    return tuple(found)


def find_operation(method: str, path: str) -> Operation | None:
    """The operation `method path` is routed to (query string excluded), if any."""
    for operation in operations():
        if operation.verb == method.upper() and operation.pattern.match(path):
            return operation
    return None


def _errors(schema: dict[str, Any], instance: Any) -> list[str]:
    validator = _validator(_absolute(schema))
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


def check_response(method: str, path: str, status: int, content_type: str, body: bytes) -> None:
    """Raises AssertionError when a JSON answer on an API route disagrees with the document."""
    if not path.startswith("/v1/") or not content_type.startswith("application/json") or not body:
        return
    operation = find_operation(method, path)
    if 200 <= status < 300:
        assert operation is not None, f"{method} {path} answered {status} but the OpenAPI document has no such route"
        schema = operation.response_schema
        text = body.decode()
        if operation.streaming and text.lstrip().startswith("["):
            messages = json.loads(text)
        elif operation.streaming:
            messages = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            messages = [json.loads(text)]
    else:
        schema = {"$ref": "#/components/schemas/google.rpc.Status"}
        messages = [json.loads(body)]
    where = operation.operation_id if operation else f"{method} {path}"
    for message in messages:
        problems = _errors(schema, message)
        assert not problems, (
            f"{where} answered {status} with JSON the OpenAPI document does not allow:\n"
            + "\n".join(problems[:10])
            + f"\nbody: {json.dumps(message)[:2000]}"
        )

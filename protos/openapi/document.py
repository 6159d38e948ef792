"""Assembles the OpenAPI 3.1 document: info, tags, operations, schemas, the error model, security."""

from __future__ import annotations

from typing import Any

from protos.openapi.contract import PACKAGE, Contract
from protos.openapi.operations import OperationBuilder
from protos.openapi.schemas import Schema, SchemaBuilder

ERROR_DETAILS = ("google.rpc.ErrorInfo", "google.rpc.BadRequest", "google.rpc.RetryInfo")
ERROR_REASON_ENUM = f"{PACKAGE}.ErrorReason"
# How BadRequest field paths are spelled: proto field names, dot-separated, list indexes in brackets.
FIELD_PATH_PATTERN = r"^[a-z][a-z0-9_]*(\[[0-9]+\])?(\.[a-z][a-z0-9_]*(\[[0-9]+\])?)*$"

OVERVIEW = """\
The JSON/REST face of the Helpdesk API (`{package}`), served by the gateway beside native gRPC,
gRPC-Web and Connect on the same port. Every operation is a gRPC method transcoded by the gateway:
request and response bodies follow the proto3 JSON mapping (lowerCamelCase names, enums as their
value names, 64-bit integers as strings, times as RFC 3339 strings).

**Signing in.** `POST /v1/auth:login` (or `/v1/auth:register`) answers an `accessToken` (a JWT,
valid 15 minutes) and a `refreshToken`. Send `Authorization: Bearer <accessToken>` on every call;
exchange the refresh token with `POST /v1/auth:refresh` before the access token expires. Each
operation states who may call it (`x-helpdesk-access` holds the same rule as data).

**Errors.** Every error is a `google.rpc.Status` JSON body (`code`, `message`, `details`) with
the HTTP status of its gRPC code: INVALID_ARGUMENT, FAILED_PRECONDITION and OUT_OF_RANGE 400,
UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404, ABORTED and ALREADY_EXISTS 409,
RESOURCE_EXHAUSTED 429, CANCELLED 499, INTERNAL and UNKNOWN 500, UNIMPLEMENTED 501, UNAVAILABLE
503, DEADLINE_EXCEEDED 504. `details` always holds a `google.rpc.ErrorInfo` (domain
`helpdesk.v1`) whose `reason` is one of the `helpdesk.v1.ErrorReason` names: switch on it, never
on the message. Bad input adds a `google.rpc.BadRequest` whose `fieldViolations[].field` are
paths of **proto field names** (snake_case, dot-separated, from the request message: e.g.
`ticket.customer_id`, `update_mask`); rate limits add a `google.rpc.RetryInfo` with the delay.
Objects a caller may not see are NOT_FOUND, exactly like missing ones.

**Updates.** `PATCH` methods take an optional `updateMask` query parameter (comma-separated
lowerCamelCase paths). Without it, every field present in the body is replaced (fields left out
keep their values). Send the resource's `etag` to have the update refused with ABORTED (reason
`ETAG_MISMATCH`) if someone changed it in between.

**Retries.** Creates take a `requestId` (a UUID): retrying with the same one returns the first
result. Status changes, assignment, ratings and publishing to the state the object already has
answer the object unchanged, so a retried call never fails because its first attempt succeeded.

**Streams.** Server-streaming methods answer newline-delimited JSON over one long HTTP response
(`curl -N`); see each stream's description.
"""


def build_document(serialized: bytes, *, version: str = "1.0.0") -> dict[str, Any]:
    """The OpenAPI document (as JSON-ready data) of the descriptor set `serialized`."""
    contract = Contract(serialized)
    schemas = SchemaBuilder(contract)
    operations = OperationBuilder(contract, schemas)
    tags = []
    for service in contract.services():
        tags.append({"name": service.name, "description": contract.comment(service.full_name)})
        for method in service.methods:
            operations.add_method(service.name, method)
    schemas.components["google.rpc.Status"] = _status_schema(contract, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Helpdesk API",
            "version": version,
            "summary": "Tickets, live chat, a knowledge base and accounts for customer support.",
            "description": OVERVIEW.format(package=PACKAGE),
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": "/", "description": "The gateway that serves this document."}],
        "tags": tags,
        "paths": dict(sorted(operations.paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "responses": {
                "Error": {
                    "description": "An error: a `google.rpc.Status` with the HTTP status of its gRPC code.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/google.rpc.Status"}}},
                }
            },
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": (
                        "The `accessToken` of `POST /v1/auth:login`, `/v1/auth:register` or `/v1/auth:refresh`."
                    ),
                }
            },
        },
    }


def _status_schema(contract: Contract, schemas: SchemaBuilder) -> Schema:
    """`google.rpc.Status` with its `details` typed as the three detail messages the server sends."""
    details = []
    for name in ERROR_DETAILS:
        message = contract.pool.FindMessageTypeByName(name)
        schema = schemas.message_schema(message)
        schema["properties"] = {"@type": {"const": f"type.googleapis.com/{name}"}, **schema["properties"]}
        schema["required"] = ["@type", *schema.get("required", [])]
        if name == "google.rpc.ErrorInfo" and ERROR_REASON_ENUM in _enum_names(contract):
            schemas.enum(contract.pool.FindEnumTypeByName(ERROR_REASON_ENUM))
            schema["properties"]["reason"] = {
                "$ref": f"#/components/schemas/{ERROR_REASON_ENUM}",
                "description": "Why the call failed, one of `helpdesk.v1.ErrorReason` (without its numeric value).",
            }
            schema["required"].append("reason")
        schemas.components[name] = schema
        details.append({"$ref": f"#/components/schemas/{name}"})
    violation = schemas.components["google.rpc.BadRequest.FieldViolation"]
    violation["properties"]["field"] = {
        "type": "string",
        "pattern": FIELD_PATH_PATTERN,
        "description": (
            "The bad field's path in the request message, spelled with proto field names (snake_case, "
            "dot-separated: `ticket.customer_id`, `update_mask`), over gRPC and JSON alike."
        ),
    }
    return {
        "type": "object",
        "description": contract.comment("google.rpc.Status"),
        "properties": {
            "code": {
                "type": "integer",
                "format": "int32",
                "description": "The gRPC status code (3 = INVALID_ARGUMENT...).",
            },
            "message": {"type": "string", "description": "A developer-facing message in English."},
            "details": {
                "type": "array",
                "items": {"oneOf": details},
                "description": "ErrorInfo always; BadRequest for bad input; RetryInfo when a limit was hit.",
            },
        },
        "required": ["code", "message"],
        "additionalProperties": False,
    }


def _enum_names(contract: Contract) -> set[str]:
    names: set[str] = set()
    for file in contract.files:
        if file.package == PACKAGE:
            names.update(f"{PACKAGE}.{enum.name}" for enum in file.enum_type)
    return names

"""Each `google.api.http` binding as an OpenAPI operation, routed as Envoy's transcoder routes it.

Path variables (`{ticket.id}`) are path parameters named by their proto field path; the `body`
of the rule is the request body (`*`: every field not bound to the path; a field name: that
field); every other field of the request is a query parameter named in lowerCamelCase (nested
messages as `parent.child`, repeated values as repeated parameters), as the transcoder reads them.
"""

from __future__ import annotations

import re
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor

from protos.openapi.contract import AccessRule, Contract, HttpBinding, message_of
from protos.openapi.schemas import WELL_KNOWN, SchemaBuilder, partial

_VARIABLE = re.compile(r"\{([^}=]+)(=[^}]*)?\}")
# Nested request messages are flattened into query parameters this deep at most.
_QUERY_DEPTH = 3

ROLE_LABELS = {"ROLE_CUSTOMER": "customer", "ROLE_AGENT": "agent", "ROLE_ADMIN": "admin"}


def openapi_path(template: str) -> str:
    """`/v1/things/{name=things/*}` → `/v1/things/{name}` (OpenAPI has no variable patterns)."""
    return _VARIABLE.sub(lambda match: "{" + match.group(1) + "}", template)


def path_variables(template: str) -> list[str]:
    """The field paths bound by the template's variables, in order."""
    return [match.group(1) for match in _VARIABLE.finditer(template)]


def access_summary(rule: AccessRule | None) -> str:
    """Who may call, in words (the operation's description and `x-helpdesk-access` say it)."""
    if rule is None:
        return "nobody (no access rule)"
    if rule.credential_in_request:
        return "anyone: the request itself carries the credential (an Authorization header is ignored)"
    if rule.allow_anonymous:
        return "anyone, signed in or not"
    return "signed-in " + ", ".join(ROLE_LABELS.get(role, role) for role in rule.roles)


def security(rule: AccessRule | None) -> list[dict[str, list[str]]]:
    """The operation's OpenAPI security requirement: none, optional bearer, or bearer."""
    if rule is not None and rule.credential_in_request:
        return [{}]
    if rule is not None and rule.allow_anonymous:
        return [{}, {"bearer": []}]
    return [{"bearer": []}]


class OperationBuilder:
    """Builds the operations of the contract's methods into `paths`."""

    def __init__(self, contract: Contract, schemas: SchemaBuilder) -> None:
        self.contract = contract
        self.schemas = schemas
        self.paths: dict[str, dict[str, Any]] = {}

    def add_method(self, service_name: str, method: MethodDescriptor) -> None:
        """Adds one operation per HTTP binding of `method` (none for methods without one)."""
        for index, binding in enumerate(self.contract.http_bindings(method)):
            operation_id = f"{service_name}_{method.name}" + (f"_{index}" if index else "")
            operation = self._operation(service_name, method, binding, operation_id)
            self.paths.setdefault(openapi_path(binding.template), {})[binding.verb] = operation

    def _operation(
        self, service_name: str, method: MethodDescriptor, binding: HttpBinding, operation_id: str
    ) -> dict[str, Any]:
        rule = self.contract.access_rule(method)
        request = method.input_type
        bound = path_variables(binding.template)
        description = self.contract.comment(method.full_name)
        access = access_summary(rule)
        streaming = method.server_streaming
        parts = [description, f"**Access:** {access}."]
        if streaming:
            parts.append(
                "**Server stream.** The response is newline-delimited JSON: one "
                f"`{method.output_type.full_name}` object per line, written as the server sends it, "
                "until the stream ends (the connection stays open while the stream lives). Errors after "
                "the first message end the stream (the gRPC status is in the `grpc-status` trailer)."
            )
        parts.append(f"gRPC: `/{method.containing_service.full_name}/{method.name}`.")
        operation: dict[str, Any] = {
            "operationId": operation_id,
            "tags": [service_name],
            "summary": _first_sentence(description) or method.name,
            "description": "\n\n".join(part for part in parts if part),
            "parameters": [
                *(self._path_parameter(request, variable) for variable in bound),
                *self._query_parameters(request, binding, bound),
            ],
        }
        if not operation["parameters"]:
            del operation["parameters"]
        body = self._request_body(request, binding, bound)
        if body is not None:
            operation["requestBody"] = body
        response_schema = self.schemas.message(method.output_type)
        if streaming:
            # The transcoder answers a stream refused before its first message with HTTP 200 and
            # the status as the only line (its status conversion applies to unary answers only).
            response_schema = {"oneOf": [response_schema, {"$ref": "#/components/schemas/google.rpc.Status"}]}
        response: dict[str, Any] = {
            "description": (
                f"A stream of `{method.output_type.full_name}`, one JSON object per line; a stream refused "
                "before its first message answers one `google.rpc.Status` line instead (it has `code`)."
                if streaming
                else f"The `{method.output_type.full_name}`."
            ),
            "content": {"application/json": {"schema": response_schema}},
        }
        operation["responses"] = {"200": response, "default": {"$ref": "#/components/responses/Error"}}
        operation["security"] = security(rule)
        operation["x-helpdesk-access"] = _access_extension(rule)
        if streaming:
            operation["x-helpdesk-stream"] = "server"
        return operation

    def _path_parameter(self, request: Descriptor, variable: str) -> dict[str, Any]:
        field = _resolve(request, variable)
        schema = self.schemas.value(field)
        return {
            "name": variable,
            "in": "path",
            "required": True,
            "description": self.contract.field_comment(field),
            "schema": schema,
        }

    def _query_parameters(self, request: Descriptor, binding: HttpBinding, bound: list[str]) -> list[dict[str, Any]]:
        if binding.body == "*":
            return []
        taken = set(bound) | ({binding.body} if binding.body else set())
        parameters: list[dict[str, Any]] = []
        self._collect_query(request, prefix="", proto_prefix="", taken=taken, into=parameters, depth=0)
        return parameters

    def _collect_query(
        self,
        message: Descriptor,
        *,
        prefix: str,
        proto_prefix: str,
        taken: set[str],
        into: list[dict[str, Any]],
        depth: int,
    ) -> None:
        for field in message.fields:
            proto_path = proto_prefix + field.name
            if proto_path in taken:
                continue
            is_message = field.type == FieldDescriptor.TYPE_MESSAGE
            if is_message and message_of(field).full_name not in WELL_KNOWN:
                if not field.is_repeated and depth < _QUERY_DEPTH:
                    self._collect_query(
                        message_of(field),
                        prefix=f"{prefix}{field.json_name}.",
                        proto_prefix=proto_path + ".",
                        taken=taken,
                        into=into,
                        depth=depth + 1,
                    )
                continue
            schema = self.schemas.field(field)
            description = schema.pop("description", "")
            parameter: dict[str, Any] = {"name": prefix + field.json_name, "in": "query"}
            if "REQUIRED" in self.contract.field_behavior(field):
                parameter["required"] = True
            if description:
                parameter["description"] = description
            parameter["schema"] = schema
            if field.is_repeated:
                parameter["style"] = "form"
                parameter["explode"] = True
            into.append(parameter)

    def _request_body(self, request: Descriptor, binding: HttpBinding, bound: list[str]) -> dict[str, Any] | None:
        if not binding.body:
            return None
        if binding.body == "*":
            schema = self.schemas.message_schema(request, skip=frozenset(v for v in bound if "." not in v))
            description = f"The `{request.full_name}` fields not in the path."
        else:
            field = request.fields_by_name[binding.body]
            if "update_mask" in request.fields_by_name:
                resource = message_of(field)
                self.schemas.message(resource)
                schema = partial(self.schemas.message_schema(resource))
                description = (
                    f"The `{resource.full_name}` fields to change. Fields named in `updateMask` are "
                    "replaced; without `updateMask`, every field present in this body is replaced (see the "
                    "method's description)."
                )
            else:
                schema = self.schemas.field(field)
                schema.pop("description", None)
                description = self.contract.field_comment(field)
        return {"required": True, "description": description, "content": {"application/json": {"schema": schema}}}


def _resolve(message: Descriptor, path: str) -> FieldDescriptor:
    *parents, leaf = path.split(".")
    for part in parents:
        message = message_of(message.fields_by_name[part])
    return message.fields_by_name[leaf]


def _access_extension(rule: AccessRule | None) -> dict[str, Any]:
    if rule is None:
        return {"roles": []}
    result: dict[str, Any] = {"anonymous": rule.allow_anonymous, "roles": list(rule.roles)}
    if rule.credential_in_request:
        result["credentialInRequest"] = True
    return result


def _first_sentence(text: str) -> str:
    paragraph = text.split("\n\n", 1)[0].replace("\n", " ")
    sentence = re.split(r"(?<=[.!?])\s", paragraph, maxsplit=1)[0]
    return sentence if len(sentence) <= 120 else sentence[:117].rstrip() + "..."

"""The generated OpenAPI document: a valid OpenAPI 3.1 document that states the contract as routed.

That every gateway answer matches it is proved by the gateway tests themselves (`tests.gateway.
wire.http_request` checks each JSON answer); these tests pin what the document says.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from openapi_spec_validator import validate

from protos.openapi.__main__ import render
from server.api import API_SERVICES
from server.core.access import AccessPolicy
from server.core.context import Role
from tests.gateway.openapi_check import DOCUMENT_PATH, check_response, document

DESCRIPTORS = DOCUMENT_PATH.parents[1] / "descriptors" / "helpdesk.binpb"
_ROLE_NAMES = {Role.CUSTOMER: "ROLE_CUSTOMER", Role.AGENT: "ROLE_AGENT", Role.ADMIN: "ROLE_ADMIN"}


def _operations() -> dict[str, dict[str, Any]]:
    found = {}
    for item in document()["paths"].values():
        for operation in item.values():
            found[operation["operationId"]] = operation
    return found


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = document()["components"]["schemas"][name]
    return schema


def test_the_committed_document_is_valid_openapi_3_1_and_generated_from_the_committed_descriptors() -> None:
    validate(document())
    assert document()["openapi"] == "3.1.0"
    assert json.loads(render(DESCRIPTORS)) == document(), "run `make generate`"


def test_every_http_routed_rpc_has_its_route_access_rule_and_error_body() -> None:
    policy = AccessPolicy.from_services(API_SERVICES)
    operations = _operations()
    routed = [
        (service, method)
        for service in API_SERVICES
        for method in service.methods
        if method.GetOptions().ListFields() and not method.client_streaming
    ]
    for service, method in routed:
        operation = operations[f"{service.name}_{method.name}"]
        rule = policy.rule_for(f"/{service.full_name}/{method.name}")
        access = operation["x-helpdesk-access"]
        assert access["anonymous"] == rule.allow_anonymous, method.full_name
        assert set(access["roles"]) == {_ROLE_NAMES[role] for role in rule.roles}, method.full_name
        assert operation["responses"]["default"] == {"$ref": "#/components/responses/Error"}
        assert "**Access:**" in operation["description"]
        if rule.allow_anonymous:
            assert {} in operation["security"]
        else:
            assert operation["security"] == [{"bearer": []}], method.full_name
    # Converse is bidirectional: no HTTP route can carry it, so the document leaves it out.
    assert not any("Converse" in operation_id for operation_id in operations)
    assert document()["components"]["securitySchemes"]["bearer"]["bearerFormat"] == "JWT"


def test_routes_parameters_and_bodies_are_the_ones_the_transcoder_routes() -> None:
    paths = document()["paths"]
    create = paths["/v1/tickets"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"] == (
        "#/components/schemas/helpdesk.v1.Ticket"
    )
    assert [p["name"] for p in create["parameters"]] == ["requestId"]
    listing = {p["name"]: p for p in paths["/v1/tickets"]["get"]["parameters"]}
    assert {"pageSize", "pageToken", "statuses", "assigneeId", "createTimeStart"} <= set(listing)
    assert listing["statuses"]["schema"]["items"] == {"$ref": "#/components/schemas/helpdesk.v1.TicketStatus"}
    assert listing["createTimeStart"]["schema"]["format"] == "date-time"
    update = paths["/v1/tickets/{ticket.id}"]["patch"]
    assert update["parameters"][0] == {**update["parameters"][0], "name": "ticket.id", "in": "path", "required": True}
    body = update["requestBody"]["content"]["application/json"]["schema"]
    assert "required" not in body, "an update body is partial: only the fields sent change"
    assign = paths["/v1/tickets/{id}:assign"]["post"]
    assign_body = assign["requestBody"]["content"]["application/json"]["schema"]
    assert "id" not in assign_body["properties"]
    assert "assigneeId" in assign_body["properties"]
    assert "requestBody" not in paths["/v1/tickets/{id}"]["get"]


def test_fields_are_described_with_their_json_mapping_and_behaviour() -> None:
    ticket = _schema("helpdesk.v1.Ticket")["properties"]
    assert _schema("helpdesk.v1.Ticket")["required"] == ["subject", "description"]
    assert ticket["number"]["type"] == "integer"
    assert ticket["number"]["readOnly"] is True
    assert ticket["createTime"]["format"] == "date-time"
    assert ticket["createTime"]["readOnly"] is True
    assert ticket["status"]["$ref"] == "#/components/schemas/helpdesk.v1.TicketStatus"
    assert "Immutable" in ticket["customerId"]["description"]
    assert ticket["tags"]["type"] == "array"
    assert "TICKET_STATUS_RESOLVED" in _schema("helpdesk.v1.TicketStatus")["enum"]
    assert _schema("helpdesk.v1.Ticket")["additionalProperties"] is False
    assert "human" in ticket["number"]["description"].lower(), "proto comments are the descriptions"


def test_streams_are_documented_as_streams() -> None:
    stream = document()["paths"]["/v1/chats/{chat_id}:stream"]["get"]
    assert stream["x-helpdesk-stream"] == "server"
    assert "newline-delimited JSON" in stream["description"]
    assert stream["responses"]["200"]["content"]["application/json"]["schema"]["oneOf"] == [
        {"$ref": "#/components/schemas/helpdesk.v1.ChatEvent"},
        {"$ref": "#/components/schemas/google.rpc.Status"},
    ]


def test_the_error_body_is_a_status_with_the_three_detail_types() -> None:
    details = _schema("google.rpc.Status")["properties"]["details"]["items"]["oneOf"]
    assert {d["$ref"].rsplit("/", 1)[1] for d in details} == {
        "google.rpc.ErrorInfo",
        "google.rpc.BadRequest",
        "google.rpc.RetryInfo",
    }
    assert _schema("google.rpc.RetryInfo")["properties"]["retryDelay"]["pattern"]
    # Field paths are proto names: every gateway test's BadRequest is checked against this pattern.
    field = _schema("google.rpc.BadRequest.FieldViolation")["properties"]["field"]
    assert re.fullmatch(field["pattern"].strip("^$"), "ticket.customer_id")
    assert not re.fullmatch(field["pattern"].strip("^$"), "ticket.customerId")


def test_the_response_check_refuses_answers_the_document_does_not_allow() -> None:
    ticket_path = "/v1/tickets/0b0e2a9e-0000-4000-8000-000000000000"
    with pytest.raises(AssertionError, match="unexpected"):
        check_response("GET", ticket_path, 200, "application/json", b'{"subject": "s", "description": "d", "x": 1}')
    with pytest.raises(AssertionError, match="not of type"):
        check_response("GET", ticket_path, 200, "application/json", b'{"subject": 1, "description": "d"}')
    with pytest.raises(AssertionError, match="no such route"):
        check_response("GET", "/v1/nothing-here", 200, "application/json", b"{}")
    with pytest.raises(AssertionError, match="not valid under any"):
        check_response("GET", ticket_path, 404, "application/json", b'{"code": 5, "message": "m", "details": [{}]}')
    check_response("GET", ticket_path, 404, "application/json", b'{"code": 5, "message": "not found", "details": []}')

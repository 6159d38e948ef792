"""The JSON/REST surface of the contract against its 1.0 baseline: nothing changed or removed unnoticed.

`buf breaking` (protos/breaking.sh) guards the protobuf wire contract; it does not see what only
the HTTP face and the options say. This compares the generated OpenAPI document with
`protos/baseline/helpdesk.v1.openapi.json`: every baseline route keeps its operation, parameters
and access rule; every baseline schema keeps its properties, their field behaviour and its enum
values; nothing optional becomes required. Additions pass. An intended break updates the baseline
in the same commit (`make contract-baseline`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.gateway.openapi_check import document

BASELINE_PATH = Path(__file__).resolve().parents[2] / "protos" / "baseline" / "helpdesk.v1.openapi.json"


def _operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(verb.upper(), path): op for path, item in doc["paths"].items() for verb, op in item.items()}


def _operation_breaks(route: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems = []
    if new["operationId"] != old["operationId"]:
        problems.append(f"{route}: now {new['operationId']}, was {old['operationId']}")
    if new["x-helpdesk-access"] != old["x-helpdesk-access"]:
        problems.append(f"{route}: access {new['x-helpdesk-access']}, was {old['x-helpdesk-access']}")
    old_params = {(p["name"], p["in"]): p for p in old.get("parameters", [])}
    new_params = {(p["name"], p["in"]): p for p in new.get("parameters", [])}
    for key, param in old_params.items():
        if key not in new_params:
            problems.append(f"{route}: parameter {key[0]} ({key[1]}) removed")
        elif new_params[key].get("required", False) and not param.get("required", False):
            problems.append(f"{route}: parameter {key[0]} became required")
    for key, param in new_params.items():
        if key not in old_params and param.get("required", False):
            problems.append(f"{route}: new required parameter {key[0]}")
    if ("requestBody" in old) != ("requestBody" in new):
        problems.append(f"{route}: request body added or removed")
    return problems


def _schema_breaks(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems = []
    if "enum" in old:
        problems += [f"{name}: enum value {v} removed" for v in old["enum"] if v not in new.get("enum", [])]
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for prop, schema in old_props.items():
        if prop not in new_props:
            problems.append(f"{name}.{prop}: removed")
            continue
        for key in ("x-field-behavior", "readOnly", "writeOnly", "type", "$ref", "format"):
            if schema.get(key) != new_props[prop].get(key):
                problems.append(f"{name}.{prop}: {key} {new_props[prop].get(key)!r}, was {schema.get(key)!r}")
    newly_required = set(new.get("required", [])) - set(old.get("required", []))
    problems += [f"{name}.{prop}: became required" for prop in sorted(newly_required)]
    return problems


def contract_breaks(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Every incompatible difference of `new` from `old` (two OpenAPI documents), in words."""
    problems = []
    old_ops, new_ops = _operations(old), _operations(new)
    for route, operation in old_ops.items():
        if route not in new_ops:
            problems.append(f"{route[0]} {route[1]}: route removed ({operation['operationId']})")
        else:
            problems += _operation_breaks(f"{route[0]} {route[1]}", operation, new_ops[route])
    old_schemas, new_schemas = old["components"]["schemas"], new["components"]["schemas"]
    for name, schema in old_schemas.items():
        if name not in new_schemas:
            problems.append(f"{name}: schema removed")
        else:
            problems += _schema_breaks(name, schema, new_schemas[name])
    return problems


def test_the_json_surface_keeps_every_promise_of_the_baseline() -> None:
    baseline = json.loads(BASELINE_PATH.read_text())
    breaks = contract_breaks(baseline, document())
    assert not breaks, "incompatible with the 1.0 baseline (intended? `make contract-baseline`):\n" + "\n".join(breaks)


def test_the_guard_sees_a_removed_route_a_changed_access_rule_and_a_changed_field_behaviour() -> None:
    baseline = json.loads(BASELINE_PATH.read_text())
    changed = json.loads(json.dumps(baseline))
    del changed["paths"]["/v1/tickets/{id}"]["delete"]
    changed["paths"]["/v1/tickets"]["get"]["x-helpdesk-access"]["roles"] = ["ROLE_ADMIN"]
    changed["components"]["schemas"]["helpdesk.v1.Ticket"]["properties"]["subject"]["x-field-behavior"] = [
        "OUTPUT_ONLY"
    ]
    changed["components"]["schemas"]["helpdesk.v1.Ticket"]["required"].append("category")
    found = "\n".join(contract_breaks(baseline, changed))
    assert "DELETE /v1/tickets/{id}: route removed" in found
    assert "GET /v1/tickets: access" in found
    assert "helpdesk.v1.Ticket.subject: x-field-behavior" in found
    assert "helpdesk.v1.Ticket.category: became required" in found
    # Additions are not breaks.
    grown = json.loads(json.dumps(baseline))
    grown["paths"]["/v1/new-things"] = baseline["paths"]["/v1/tickets"]
    assert contract_breaks(baseline, grown) == []

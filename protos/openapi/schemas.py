"""Protobuf messages and enums as JSON Schema, exactly as Envoy's JSON transcoder prints them.

The transcoder follows the proto3 JSON mapping with the gateway's print options: lowerCamelCase
names (`json_name`), enums as their value names, 64-bit integers as decimal strings, bytes as
base64, the well-known types in their special forms (Timestamp as RFC 3339, Duration as `"1.5s"`,
FieldMask as comma-separated lowerCamelCase paths), and primitive fields always printed (so a
response carries every scalar, enum and repeated field, set or not; unset message fields and
unset `optional` fields are left out). Unknown JSON fields are refused in requests, hence
`additionalProperties: false`.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from protos.openapi.contract import Contract, enum_of, enum_value_comment, message_comment, message_of

Schema = dict[str, Any]

_INT32 = {FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SFIXED32}
_UINT32 = {FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32}
_INT64 = {FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_SFIXED64}
_UINT64 = {FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64}

# The well-known types with a special JSON form.
WELL_KNOWN: dict[str, Schema] = {
    "google.protobuf.Timestamp": {
        "type": "string",
        "format": "date-time",
        "description": "RFC 3339 time in UTC, e.g. `2026-01-31T12:00:00Z` (fractional seconds optional).",
    },
    "google.protobuf.Duration": {
        "type": "string",
        "pattern": r"^-?[0-9]+(\.[0-9]{1,9})?s$",
        "description": "Seconds with an `s` suffix, e.g. `1.5s`.",
    },
    "google.protobuf.FieldMask": {
        "type": "string",
        "description": "Comma-separated field paths in lowerCamelCase, e.g. `subject,priority`.",
    },
    "google.protobuf.Empty": {"type": "object", "additionalProperties": False},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.ListValue": {"type": "array"},
    "google.protobuf.Any": {"type": "object", "required": ["@type"], "properties": {"@type": {"type": "string"}}},
    "google.protobuf.StringValue": {"type": ["string", "null"]},
    "google.protobuf.BoolValue": {"type": ["boolean", "null"]},
    "google.protobuf.Int32Value": {"type": ["integer", "null"], "format": "int32"},
    "google.protobuf.UInt32Value": {"type": ["integer", "null"], "minimum": 0},
    "google.protobuf.Int64Value": {"type": ["string", "null"], "format": "int64"},
    "google.protobuf.UInt64Value": {"type": ["string", "null"], "format": "uint64"},
    "google.protobuf.DoubleValue": {"type": ["number", "null"]},
    "google.protobuf.FloatValue": {"type": ["number", "null"]},
    "google.protobuf.BytesValue": {"type": ["string", "null"], "contentEncoding": "base64"},
}

# What each field behaviour means for a client, appended to the field's description.
_BEHAVIOR_NOTES = {
    "IMMUTABLE": "Immutable: set on creation, never changed afterwards.",
    "IDENTIFIER": "Identifier: assigned by the server; names the resource in update requests.",
    "INPUT_ONLY": "Input only: never returned.",
}


def ref(full_name: str) -> Schema:
    """A reference to the component schema of a message or enum."""
    return {"$ref": f"#/components/schemas/{full_name}"}


class SchemaBuilder:
    """Collects the component schemas reachable from the operations."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.components: dict[str, Schema] = {}

    def message(self, message: Descriptor) -> Schema:
        """A reference to `message`'s schema (built on first use), or the inline well-known form."""
        if message.full_name in WELL_KNOWN:
            return dict(WELL_KNOWN[message.full_name])
        if message.full_name not in self.components:
            self.components[message.full_name] = {}  # placeholder: recursive messages stop here
            self.components[message.full_name] = self.message_schema(message)
        return ref(message.full_name)

    def message_schema(self, message: Descriptor, *, skip: frozenset[str] = frozenset()) -> Schema:
        """The object schema of `message`, leaving out the fields named (proto names) in `skip`."""
        properties: dict[str, Schema] = {}
        required: list[str] = []
        for field in message.fields:
            if field.name in skip:
                continue
            properties[field.json_name] = self.field(field)
            if "REQUIRED" in self.contract.field_behavior(field):
                required.append(field.json_name)
        schema: Schema = {"type": "object"}
        description = message_comment(self.contract, message)
        if description:
            schema["description"] = description
        schema["properties"] = properties
        if required:
            schema["required"] = required
        schema["additionalProperties"] = False
        return schema

    def enum(self, enum: EnumDescriptor) -> Schema:
        """A reference to `enum`'s schema (built on first use)."""
        if enum.full_name not in self.components:
            lines = [self.contract.comment(enum.full_name)] if self.contract.comment(enum.full_name) else []
            lines.append("")
            for value in enum.values:
                lines.append(f"- `{value.name}`: {enum_value_comment(self.contract, enum, value.name)}")
            self.components[enum.full_name] = {
                "type": "string",
                "enum": [value.name for value in enum.values],
                "description": "\n".join(lines).strip(),
            }
        return ref(enum.full_name)

    def value(self, field: FieldDescriptor) -> Schema:
        """The schema of one value of `field` (an element, for repeated fields)."""
        kind = field.type
        if kind in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
            return self.message(message_of(field))
        if kind == FieldDescriptor.TYPE_ENUM:
            return self.enum(enum_of(field))
        if kind == FieldDescriptor.TYPE_STRING:
            return {"type": "string"}
        if kind == FieldDescriptor.TYPE_BOOL:
            return {"type": "boolean"}
        if kind == FieldDescriptor.TYPE_BYTES:
            return {"type": "string", "contentEncoding": "base64"}
        if kind in _INT32:
            return {"type": "integer", "format": "int32"}
        if kind in _UINT32:
            return {"type": "integer", "format": "int64", "minimum": 0, "maximum": 4294967295}
        if kind in _INT64:
            return {"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"}
        if kind in _UINT64:
            return {"type": "string", "format": "uint64", "pattern": "^[0-9]+$"}
        if kind == FieldDescriptor.TYPE_FLOAT:
            return {"type": "number", "format": "float"}
        return {"type": "number", "format": "double"}

    def field(self, field: FieldDescriptor) -> Schema:
        """The schema of a field: its value, repeated or mapped, with description and behaviour."""
        if _is_map(field):
            value_field = message_of(field).fields_by_name["value"]
            schema: Schema = {"type": "object", "additionalProperties": self.value(value_field)}
        elif field.is_repeated:
            schema = {"type": "array", "items": self.value(field)}
        else:
            schema = self.value(field)
        behavior = self.contract.field_behavior(field)
        notes = [self.contract.field_comment(field)]
        notes.extend(_BEHAVIOR_NOTES[name] for name in behavior if name in _BEHAVIOR_NOTES)
        description = "\n\n".join(note for note in notes if note)
        if description:
            schema["description"] = description
        if "OUTPUT_ONLY" in behavior:
            schema["readOnly"] = True
        if "INPUT_ONLY" in behavior:
            schema["writeOnly"] = True
        if behavior:
            schema["x-field-behavior"] = behavior
        return schema


def _is_map(field: FieldDescriptor) -> bool:
    return field.type == FieldDescriptor.TYPE_MESSAGE and field.is_repeated and message_of(field).GetOptions().map_entry


def partial(schema: Schema) -> Schema:
    """`schema` without `required`: the body of an update, where only the fields sent change."""
    return {key: value for key, value in schema.items() if key != "required"}

"""The contract as the generator sees it: a descriptor pool, its comments and its custom options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import (
    Descriptor,
    EnumDescriptor,
    FieldDescriptor,
    MethodDescriptor,
    ServiceDescriptor,
)

PACKAGE = "helpdesk.v1"

# Source-info path components (descriptor.proto field numbers).
_MESSAGE_TYPE, _ENUM_TYPE, _SERVICE = 4, 5, 6
_FIELD, _NESTED_TYPE, _NESTED_ENUM, _ENUM_VALUE, _METHOD = 2, 3, 4, 2, 2


@dataclass(frozen=True)
class AccessRule:
    """A method's `(helpdesk.v1.access)` rule, as plain values."""

    allow_anonymous: bool
    roles: tuple[str, ...]
    credential_in_request: bool


@dataclass(frozen=True)
class HttpBinding:
    """One `google.api.http` binding of a method."""

    verb: str
    template: str
    body: str


class Contract:
    """The descriptor set loaded into its own pool, with comments and options resolved against it."""

    def __init__(self, serialized: bytes) -> None:
        files = descriptor_pb2.FileDescriptorSet.FromString(serialized)
        self.pool = descriptor_pool.DescriptorPool()
        for file in files.file:
            self.pool.Add(file)
        self.files = list(files.file)
        self._comments: dict[str, str] = {}
        for file in files.file:
            self._index_comments(file)
        # Options are re-parsed with classes of this pool, so that the extensions resolve against it.
        self._method_options = message_factory.GetMessageClass(
            self.pool.FindMessageTypeByName("google.protobuf.MethodOptions")
        )
        self._field_options = message_factory.GetMessageClass(
            self.pool.FindMessageTypeByName("google.protobuf.FieldOptions")
        )
        # Extension handles of this pool (typed Any: the stubs only know generated extensions).
        self._access: Any = self.pool.FindExtensionByName(f"{PACKAGE}.access")
        self._http: Any = self.pool.FindExtensionByName("google.api.http")
        self._behavior: Any = self.pool.FindExtensionByName("google.api.field_behavior")
        self._behavior_names = enum_of(self._behavior).values_by_number

    def services(self) -> list[ServiceDescriptor]:
        """The services of the helpdesk package, in file and declaration order."""
        found: list[ServiceDescriptor] = []
        for file in self.files:
            if file.package == PACKAGE:
                found.extend(self.pool.FindFileByName(file.name).services_by_name.values())
        return found

    def comment(self, full_name: str) -> str:
        """The leading comment of an element (by full name; fields as `Message.field`), dedented."""
        return self._comments.get(full_name, "")

    def field_comment(self, field: FieldDescriptor) -> str:
        """The leading comment of a field."""
        return self.comment(field.full_name)

    def field_behavior(self, field: FieldDescriptor) -> list[str]:
        """The field's `google.api.field_behavior` values (`REQUIRED`, `OUTPUT_ONLY`...)."""
        options = self._field_options.FromString(field.GetOptions().SerializeToString())
        numbers: list[int] = list(options.Extensions[self._behavior])
        return [self._behavior_names[number].name for number in numbers]

    def access_rule(self, method: MethodDescriptor) -> AccessRule | None:
        """The method's access rule, or None when it declares none."""
        options = self._method_options.FromString(method.GetOptions().SerializeToString())
        if not options.HasExtension(self._access):
            return None
        rule: Any = options.Extensions[self._access]
        role_names = self.pool.FindEnumTypeByName(f"{PACKAGE}.Role").values_by_number
        return AccessRule(
            allow_anonymous=rule.allow_anonymous,
            roles=tuple(role_names[role].name for role in rule.roles),
            credential_in_request=rule.credential_in_request,
        )

    def http_bindings(self, method: MethodDescriptor) -> list[HttpBinding]:
        """The method's HTTP bindings (the main rule first, then additional bindings)."""
        options = self._method_options.FromString(method.GetOptions().SerializeToString())
        if not options.HasExtension(self._http):
            return []
        rule: Any = options.Extensions[self._http]
        bindings = []
        for each in (rule, *rule.additional_bindings):
            verb = each.WhichOneof("pattern")
            if verb is None:
                continue
            template = each.custom.path if verb == "custom" else getattr(each, verb)
            method_name = each.custom.kind.lower() if verb == "custom" else verb
            bindings.append(HttpBinding(verb=method_name, template=template, body=each.body))
        return bindings

    def _index_comments(self, file: descriptor_pb2.FileDescriptorProto) -> None:
        names: dict[tuple[int, ...], str] = {}
        prefix = f"{file.package}." if file.package else ""

        def message(proto: descriptor_pb2.DescriptorProto, path: tuple[int, ...], scope: str) -> None:
            name = scope + proto.name
            names[path] = name
            for i, field in enumerate(proto.field):
                names[(*path, _FIELD, i)] = f"{name}.{field.name}"
            for i, nested in enumerate(proto.nested_type):
                message(nested, (*path, _NESTED_TYPE, i), name + ".")
            for i, nested_enum in enumerate(proto.enum_type):
                enum(nested_enum, (*path, _NESTED_ENUM, i), name + ".")

        def enum(proto: descriptor_pb2.EnumDescriptorProto, path: tuple[int, ...], scope: str) -> None:
            # Enum values are scoped beside their enum (C++ rules), but keyed under it here.
            name = scope + proto.name
            names[path] = name
            for i, value in enumerate(proto.value):
                names[(*path, _ENUM_VALUE, i)] = f"{name}.{value.name}"

        for i, proto in enumerate(file.message_type):
            message(proto, (_MESSAGE_TYPE, i), prefix)
        for i, enum_proto in enumerate(file.enum_type):
            enum(enum_proto, (_ENUM_TYPE, i), prefix)
        for i, service in enumerate(file.service):
            names[(_SERVICE, i)] = prefix + service.name
            for j, method in enumerate(service.method):
                names[(_SERVICE, i, _METHOD, j)] = f"{prefix}{service.name}.{method.name}"
        for location in file.source_code_info.location:
            name = names.get(tuple(location.path))
            if name is not None and location.leading_comments:
                self._comments[name] = _dedent(location.leading_comments)


def _dedent(comment: str) -> str:
    lines = comment.rstrip().split("\n")
    return "\n".join(line[1:] if line.startswith(" ") else line for line in lines).strip()


def enum_value_comment(contract: Contract, enum: EnumDescriptor, value_name: str) -> str:
    """The comment of one enum value."""
    return contract.comment(f"{enum.full_name}.{value_name}")


def message_comment(contract: Contract, message: Descriptor) -> str:
    """The comment of a message."""
    return contract.comment(message.full_name)


def message_of(field: FieldDescriptor) -> Descriptor:
    """The message type of a message field."""
    assert field.message_type is not None, f"{field.full_name} is not a message field"
    return field.message_type


def enum_of(field: FieldDescriptor) -> EnumDescriptor:
    """The enum type of an enum field."""
    assert field.enum_type is not None, f"{field.full_name} is not an enum field"
    return field.enum_type

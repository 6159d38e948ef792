"""The access matrix of the whole API, driven by the contract: every RPC, every kind of caller, both transports.

The RPCs come from the descriptors (the generated Python modules, cross-checked against the
descriptor set Envoy transcodes with), so a new RPC without a row in `access_cases.EXPECTED`
fails here. Every cell calls the RPC natively over gRPC and, when the RPC has a `google.api.http`
route, as JSON through a real Envoy (the route, verb and body binding are read from the method's
option). Each cell asserts the declared status code; no cell may answer UNKNOWN or INTERNAL; and
where a caller may not see customer A's object, the answer must be identical (code and message)
to the answer about an object that does not exist.
"""

from __future__ import annotations

import asyncio
import http.client
import importlib
import json
import pkgutil
import re
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import Descriptor, MethodDescriptor
from google.protobuf.message import Message

import helpdesk.v1
from helpdesk.v1 import (
    access_pb2,
    auth_service_pb2_grpc,
    canned_response_service_pb2_grpc,
    chat_service_pb2_grpc,
    knowledge_service_pb2_grpc,
    macro_service_pb2_grpc,
    sla_service_pb2_grpc,
    ticket_service_pb2_grpc,
    user_pb2,
    user_service_pb2_grpc,
)
from server.app import HelpdeskApp
from tests.gateway.openapi_check import check_response
from tests.reliability.access_cases import BUILDERS, CALLERS, EXPECTED, NOT_FOUND, OK, Prepared, World, make_world
from tests.reliability.access_cases import rpc_of as _rpc_of
from tests.support import local_gateway_options, running_gateway

PACKAGE = "helpdesk.v1"
TRANSPORTS = ("grpc", "http")
# How long a cell waits for a stream's first event (or its error) on a busy 2-core machine.
FIRST_EVENT_SECONDS = 15.0
UNARY_DEADLINE_SECONDS = 15.0

# google.rpc.Code -> HTTP status, as Envoy's transcoder (convert_grpc_status) answers.
HTTP_STATUS = {
    "OK": 200,
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INVALID_ARGUMENT": 400,
    "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "PERMISSION_DENIED": 403,
    "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400,
    "ABORTED": 409,
    "OUT_OF_RANGE": 400,
    "UNIMPLEMENTED": 501,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DATA_LOSS": 500,
    "UNAUTHENTICATED": 401,
}
CODE_NAMES = {code.value[0]: code.name for code in grpc.StatusCode}


def _api_methods() -> dict[str, MethodDescriptor]:
    """Every RPC of every service of the package, from the generated modules: `Service.Method` -> descriptor."""
    methods: dict[str, MethodDescriptor] = {}
    for module_info in pkgutil.iter_modules(helpdesk.v1.__path__):
        if not module_info.name.endswith("_pb2"):
            continue
        module = importlib.import_module(f"helpdesk.v1.{module_info.name}")
        file = module.DESCRIPTOR
        if file.package != PACKAGE:
            continue
        for service in file.services_by_name.values():
            for method in service.methods:
                methods[f"{service.name}.{method.name}"] = method
    return methods


METHODS = _api_methods()


def _cells() -> Iterator[Any]:
    # Driven by the descriptors: an RPC without a row still gets a cell, which then fails.
    for rpc, method in METHODS.items():
        cases = [case for case in EXPECTED if _rpc_of(case) == rpc] or [rpc]
        transports = TRANSPORTS if _http_rule(method) is not None else TRANSPORTS[:1]
        for case in cases:
            for caller in CALLERS:
                for transport in transports:
                    yield pytest.param(case, caller, transport, id=f"{case}-{caller}-{transport}")


# The `google.api.http` option (registered by the generated modules, which import its definition).
_HTTP_OPTION: Any = descriptor_pool.Default().FindExtensionByName("google.api.http")


def _http_rule(method: MethodDescriptor) -> Any:
    """The method's `google.api.HttpRule`, or None when it has no HTTP route."""
    options = method.GetOptions()
    if not options.HasExtension(_HTTP_OPTION):
        return None
    return options.Extensions[_HTTP_OPTION]


CELLS = list(_cells())

# The role of each signed-in, active caller.
_ROLES = {
    "customer_a": user_pb2.ROLE_CUSTOMER,
    "customer_b": user_pb2.ROLE_CUSTOMER,
    "agent": user_pb2.ROLE_AGENT,
    "admin": user_pb2.ROLE_ADMIN,
}


def http_rule_class() -> Message:
    """An empty `google.api.HttpRule` (what a method without a route has)."""
    return _message_class(_HTTP_OPTION.message_type)()


def test_the_table_covers_every_rpc_of_the_contract(repo_root: Path, record_property: Any) -> None:
    declared = {_rpc_of(case) for case in EXPECTED}
    assert sorted(set(METHODS) - declared) == [], "RPCs without a row in the access matrix"
    assert sorted(declared - set(METHODS)) == [], "rows for RPCs the contract does not have"
    assert sorted(set(EXPECTED) ^ set(BUILDERS)) == [], "rows without a request, or requests without a row"
    for case, row in EXPECTED.items():
        assert tuple(row) == CALLERS, case
    # Envoy transcodes with the descriptor set: it must describe the same RPCs as the Python modules.
    files = descriptor_pb2.FileDescriptorSet.FromString(
        (repo_root / "clients" / "descriptors" / "helpdesk.binpb").read_bytes()
    )
    routes = {
        f"{service.name}.{method.name}": method.options.Extensions[_HTTP_OPTION]
        for file in files.file
        if file.package == PACKAGE
        for service in file.service
        for method in service.method
    }
    assert set(routes) == set(METHODS)
    for rpc, method in METHODS.items():
        assert routes[rpc] == (_http_rule(method) or http_rule_class()), rpc
    routed = sum(1 for method in METHODS.values() if _http_rule(method) is not None)
    summary = (
        f"access matrix: {len(METHODS)} RPCs ({len(EXPECTED)} cases) x {len(CALLERS)} callers "
        f"= {len(EXPECTED) * len(CALLERS)} cells; {routed} RPCs with an HTTP route; "
        f"{len(CELLS)} cells over gRPC + JSON"
    )
    record_property("access_matrix", summary)
    print(summary)


def test_the_table_agrees_with_the_declared_access_rules() -> None:
    # The `(helpdesk.v1.access)` rule decides who gets past authentication and the role check;
    # the table may only add object-level answers on top of it.
    for case, row in EXPECTED.items():
        rule = METHODS[_rpc_of(case)].GetOptions().Extensions[access_pb2.access]
        if rule.credential_in_request:
            continue
        assert row["deactivated"] == "UNAUTHENTICATED", case
        assert (row["anonymous"] == "UNAUTHENTICATED") == (not rule.allow_anonymous), case
        for caller, role in _ROLES.items():
            assert row[caller] != "UNAUTHENTICATED", (case, caller)
            if not (rule.allow_anonymous or role in rule.roles):
                assert row[caller] == "PERMISSION_DENIED", (case, caller)


# ---- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def channel(app: HelpdeskApp) -> AsyncIterator[grpc.aio.Channel]:
    """A native channel to the module's server."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as chan:
        yield chan


@pytest.fixture(scope="module")
async def world(app: HelpdeskApp, channel: grpc.aio.Channel) -> World:
    """Every caller signed in once, and the shared objects."""
    return await make_world(
        app,
        auth=auth_service_pb2_grpc.AuthServiceStub(channel),
        users=user_service_pb2_grpc.UserServiceStub(channel),
        tickets=ticket_service_pb2_grpc.TicketServiceStub(channel),
        chats=chat_service_pb2_grpc.ChatServiceStub(channel),
        knowledge=knowledge_service_pb2_grpc.KnowledgeServiceStub(channel),
        sla=sla_service_pb2_grpc.SlaServiceStub(channel),
        canned_responses=canned_response_service_pb2_grpc.CannedResponseServiceStub(channel),
        macros=macro_service_pb2_grpc.MacroServiceStub(channel),
    )


@pytest.fixture(scope="module")
async def gateway(app: HelpdeskApp, repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """Base URL of a real Envoy in front of the module's server."""
    assert app.port is not None
    options = local_gateway_options(app.port, descriptor_path=repo_root / "clients" / "descriptors" / "helpdesk.binpb")
    async with running_gateway(tmp_path_factory.mktemp("matrix-envoy"), options) as envoy:
        yield envoy.url


# ---- calling ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What a call came back with."""

    code: str
    message: str
    response: Message | None = None


def _message_class(descriptor: Descriptor) -> type[Message]:
    return message_factory.GetMessageClass(descriptor)


async def _call_grpc(channel: grpc.aio.Channel, method: MethodDescriptor, prepared: Prepared) -> Answer:
    path = f"/{method.containing_service.full_name}/{method.name}"
    serialize = _message_class(method.input_type).SerializeToString
    deserialize = _message_class(method.output_type).FromString
    metadata = (("authorization", f"Bearer {prepared.token}"),) if prepared.token else ()
    try:
        if not method.server_streaming:
            unary = channel.unary_unary(path, request_serializer=serialize, response_deserializer=deserialize)
            response = await unary(prepared.request, metadata=metadata, timeout=UNARY_DEADLINE_SECONDS)
            return Answer(OK, "", response)
        if method.client_streaming:
            bidi = channel.stream_stream(path, request_serializer=serialize, response_deserializer=deserialize)
            call: Any = bidi(metadata=metadata)
            await call.write(prepared.request)
        else:
            stream = channel.unary_stream(path, request_serializer=serialize, response_deserializer=deserialize)
            call = stream(prepared.request, metadata=metadata)
        try:
            # A stream that is allowed stays open: its first event is the answer.
            async with asyncio.timeout(FIRST_EVENT_SECONDS):
                first = await call.read()
            if first is grpc.aio.EOF:
                code = await call.code()
                return Answer(code.name, await call.details() or "")
            return Answer(OK, "", first)
        finally:
            call.cancel()
    except grpc.aio.AioRpcError as error:
        return Answer(error.code().name, error.details() or "")


_VARIABLE = re.compile(r"\{([^}=]+)(?:=[^}]*)?\}")


def _json_names(descriptor: Descriptor, path: str) -> list[str]:
    """A proto field path (`ticket.id`) as the JSON names of its steps (`["ticket", "id"]`)."""
    names = []
    current: Descriptor | None = descriptor
    for step in path.split("."):
        assert current is not None, path
        field = current.fields_by_name[step]
        names.append(field.json_name)
        current = field.message_type
    return names


def _field_value(message: Message, path: str) -> str:
    value: Any = message
    for step in path.split("."):
        value = getattr(value, step)
    return str(value)


def _pop(tree: dict[str, Any], names: list[str]) -> None:
    for name in names[:-1]:
        tree = tree.get(name, {})
    tree.pop(names[-1], None)


def _query_pairs(tree: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in tree.items():
        name = f"{prefix}{key}"
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, dict):
                yield from _query_pairs(item, f"{name}.")
            else:
                yield name, json.dumps(item) if isinstance(item, bool) else str(item)


def http_request_for(method: MethodDescriptor, request: Message) -> tuple[str, str, bytes | None]:
    """(verb, path with query, JSON body) for `request`, from the method's `google.api.http` rule."""
    rule = _http_rule(method)
    assert rule is not None
    verb = rule.WhichOneof("pattern")
    assert verb in ("get", "put", "post", "delete", "patch"), verb
    template: str = getattr(rule, verb)
    fields = json_format.MessageToDict(request)
    bound = _VARIABLE.findall(template)
    path = _VARIABLE.sub(
        lambda match: urllib.parse.quote(_field_value(request, match.group(1)), safe=""),
        template,
    )
    for variable in bound:
        _pop(fields, _json_names(method.input_type, variable))
    body: Any = None
    if rule.body == "*":
        body, fields = fields, {}
    elif rule.body:
        body = fields.pop(_json_names(method.input_type, rule.body)[0], {})
    query = urllib.parse.urlencode(list(_query_pairs(fields)))
    return (
        verb.upper(),
        path + (f"?{query}" if query else ""),
        None if body is None else json.dumps(body).encode(),
    )


def _exchange(
    base_url: str, verb: str, target: str, body: bytes | None, token: str, streaming: bool
) -> tuple[int, bytes]:
    """One HTTP/1.1 exchange; of a successful stream, only its first bytes."""
    parsed = urllib.parse.urlsplit(base_url)
    headers = {"accept": "application/json"}
    if body is not None:
        headers["content-type"] = "application/json"
    if token:
        headers["authorization"] = f"Bearer {token}"
    connection = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=FIRST_EVENT_SECONDS)
    try:
        connection.request(verb, target, body=body, headers=headers)
        response = connection.getresponse()
        if streaming and response.status == 200:
            # The stream stays open: read its first line (newline-delimited JSON: an event, or the
            # google.rpc.Status of a refused stream), then hang up.
            received = b""
            while b"\n" not in received:
                chunk = response.read1(4096)
                if not chunk:
                    break
                received += chunk
            payload = received.split(b"\n", 1)[0]
        else:
            payload = response.read()
        # Each JSON cell's answer must also be what the OpenAPI document promises.
        check_response(
            verb, urllib.parse.urlsplit(target).path, response.status, response.getheader("content-type") or "", payload
        )
        return response.status, payload
    finally:
        connection.close()


async def _call_http(base_url: str, method: MethodDescriptor, prepared: Prepared) -> Answer:
    verb, target, body = http_request_for(method, prepared.request)
    status, payload = await asyncio.to_thread(
        _exchange, base_url, verb, target, body, prepared.token, method.server_streaming
    )
    if status == 200 and method.output_type.full_name == "google.api.HttpBody":
        # A stream of raw bodies (a CSV download) arrives as that body; a refusal as the Status JSON.
        if payload.startswith(b"{") and "code" in json.loads(payload):
            return _status_body(verb, target, payload)
        return Answer(OK, "")
    if status == 200 and method.server_streaming and "code" in json.loads(payload):
        # Envoy answers a refused server stream with HTTP 200 and the google.rpc.Status as the body
        # (its status conversion only applies to unary responses), so the code can only come from there.
        return _status_body(verb, target, payload)
    if status == 200:
        if method.server_streaming:
            json_format.Parse(payload, _message_class(method.output_type)())
            return Answer(OK, "")
        response = json_format.Parse(payload, _message_class(method.output_type)())
        return Answer(OK, "", response)
    answer = _status_body(verb, target, payload)
    assert status == HTTP_STATUS[answer.code], f"{verb} {target}: HTTP {status} for {answer.code}"
    return answer


def _status_body(verb: str, target: str, payload: bytes) -> Answer:
    try:
        error = json.loads(payload)
        code = CODE_NAMES[int(error["code"])]
    except (ValueError, KeyError, TypeError) as exc:
        raise AssertionError(f"{verb} {target}: no google.rpc.Status in the body: {payload!r}") from exc
    assert code != OK, payload
    return Answer(code, str(error.get("message", "")))


def _swap(message: Message, old: str, new: str) -> Message:
    """A copy of `message` with every string field equal to `old` set to `new`."""
    copy = type(message)()
    copy.CopyFrom(message)

    def walk(node: Message) -> None:
        for field, value in node.ListFields():
            if field.message_type is not None:
                for item in [value] if isinstance(value, Message) else value:
                    walk(item)
            elif value == old:
                setattr(node, field.name, new)

    walk(copy)
    return copy


# ---- the matrix ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "caller", "transport"), CELLS)
async def test_access(
    channel: grpc.aio.Channel,
    gateway: str,
    world: World,
    case: str,
    caller: str,
    transport: str,
) -> None:
    assert case in EXPECTED, f"{case} has no row in the access matrix (tests/reliability/access_cases.py)"
    method = METHODS[_rpc_of(case)]
    expected = EXPECTED[case][caller]

    async def call(prepared: Prepared) -> Answer:
        if transport == "http":
            return await _call_http(gateway, method, prepared)
        return await _call_grpc(channel, method, prepared)

    prepared = await BUILDERS[case](world, world.callers[caller])
    answer = await call(prepared)
    assert answer.code not in ("UNKNOWN", "INTERNAL"), answer
    assert answer.code == expected, f"{case} as {caller} over {transport}: {answer.code} ({answer.message})"
    if answer.code == OK and prepared.on_ok is not None:
        assert answer.response is not None
        prepared.on_ok(answer.response)
    # Someone who may not see A's object learns nothing: not even whether it exists.
    hidden = expected == NOT_FOUND or (caller == "customer_b" and expected != OK)
    if prepared.target and hidden:
        elsewhere = Prepared(_swap(prepared.request, prepared.target, str(uuid.uuid4())), prepared.token)
        assert await call(elsewhere) == answer

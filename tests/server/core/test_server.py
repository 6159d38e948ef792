"""The server around the services: health, reflection, UNIMPLEMENTED placeholders, graceful stop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import grpc.aio
import pytest
from google.protobuf import message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from devstack.redis import free_port
from helpdesk.v1 import auth_service_pb2_grpc, ticket_service_pb2, ticket_service_pb2_grpc
from server.api import API_SERVICES
from server.app import HelpdeskApp
from server.core.context import Role
from server.settings import Settings
from tests.support import register, sign_in_as


async def test_health_reports_serving_overall_and_per_service(channel: grpc.aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    for service in ["", *(s.full_name for s in API_SERVICES)]:
        answer = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert answer.status == health_pb2.HealthCheckResponse.SERVING, service


async def test_reflection_lists_every_api_service(channel: grpc.aio.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)

    async def requests() -> AsyncIterator[reflection_pb2.ServerReflectionRequest]:
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    names = set()
    async for answer in stub.ServerReflectionInfo(requests()):
        names |= {s.name for s in answer.list_services_response.service}
    assert {s.full_name for s in API_SERVICES} <= names
    assert "grpc.health.v1.Health" in names


async def test_the_access_check_runs_before_the_handler(channel: grpc.aio.Channel) -> None:
    # Access is decided from the declared rule before the handler looks at the request.
    tickets = ticket_service_pb2_grpc.TicketServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as anonymous:
        await tickets.ListTickets(ticket_service_pb2.ListTicketsRequest())
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED
    customer = await register(auth_service_pb2_grpc.AuthServiceStub(channel))
    with pytest.raises(grpc.aio.AioRpcError) as staff_only:
        # A malformed id would be INVALID_ARGUMENT in the handler: the role check answers first.
        await tickets.ListTicketEvents(
            ticket_service_pb2.ListTicketEventsRequest(ticket_id="not-a-uuid"), metadata=customer.metadata
        )
    assert staff_only.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_handlers_added_to_the_server_any_way_are_checked(settings: Settings) -> None:
    """Registered and generic handlers alike run behind authentication and the access rules.

    Two undeclared API methods are added after the services: an unknown method of the API
    package is refused to everyone, so the handlers must never run, whoever calls.
    """
    ran: list[str] = []

    async def peek(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        ran.append("peek")
        return b"secret"

    handler: grpc.RpcMethodHandler[bytes, bytes] = grpc.unary_unary_rpc_method_handler(peek)
    app = await HelpdeskApp.create(settings)
    app.server.add_registered_method_handlers("helpdesk.v1.Backdoor", {"Registered": handler})
    app.server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler("helpdesk.v1.Backdoor", {"Generic": handler})]
    )
    await app.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as chan:
            customer = await register(auth_service_pb2_grpc.AuthServiceStub(chan))
            for method in ("Registered", "Generic"):
                call: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = chan.unary_unary(
                    f"/helpdesk.v1.Backdoor/{method}"
                )
                with pytest.raises(grpc.aio.AioRpcError) as anonymous:
                    await call(b"")
                assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED, method
                with pytest.raises(grpc.aio.AioRpcError) as signed_in:
                    await call(b"", metadata=customer.metadata)
                assert signed_in.value.code() == grpc.StatusCode.PERMISSION_DENIED, method
        assert ran == []
    finally:
        await app.stop(grace=0.5)


async def test_request_id_is_echoed_back(channel: grpc.aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    call = health.Check(health_pb2.HealthCheckRequest(), metadata=(("x-request-id", "req-123"),))
    await call
    assert ("x-request-id", "req-123") in tuple(await call.trailing_metadata())


async def test_health_is_not_serving_without_redis(settings: Settings) -> None:
    broken = settings.replace(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    app = await HelpdeskApp.create(broken)
    await app.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as chan:
            answer = await health_pb2_grpc.HealthStub(chan).Check(health_pb2.HealthCheckRequest())
        assert answer.status == health_pb2.HealthCheckResponse.NOT_SERVING
    finally:
        await app.stop(grace=0.5)


async def test_graceful_stop_reports_not_serving_and_refuses_new_calls(settings: Settings) -> None:
    app = await HelpdeskApp.create(settings)
    await app.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as chan:
        health = health_pb2_grpc.HealthStub(chan)
        watch = health.Watch(health_pb2.HealthCheckRequest())
        first = await watch.read()
        assert first.status == health_pb2.HealthCheckResponse.SERVING
        stopping = asyncio.create_task(app.stop(grace=1.0))
        changed = await asyncio.wait_for(watch.read(), timeout=5)
        assert changed.status == health_pb2.HealthCheckResponse.NOT_SERVING
        await stopping
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await health.Check(health_pb2.HealthCheckRequest(), timeout=2)
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_every_api_method_is_served(app: HelpdeskApp, channel: grpc.aio.Channel) -> None:
    # An empty request from an admin: each method must answer deliberately (usually INVALID_ARGUMENT
    # or NOT_FOUND), never UNIMPLEMENTED (a method without a handler) and never an unexpected error.
    admin = await sign_in_as(app, auth_service_pb2_grpc.AuthServiceStub(channel), Role.ADMIN)
    answered: dict[str, grpc.StatusCode] = {}
    methods = [(s, m) for s in API_SERVICES for m in s.methods]
    # Logout ends the admin's session: call it last.
    methods.sort(key=lambda pair: pair[1].name == "Logout")
    for service, method in methods:
        path = f"/{service.full_name}/{method.name}"
        request_class = message_factory.GetMessageClass(method.input_type)
        response_class = message_factory.GetMessageClass(method.output_type)
        serialize, deserialize = request_class.SerializeToString, response_class.FromString
        try:
            if method.client_streaming:
                bidi = channel.stream_stream(path, request_serializer=serialize, response_deserializer=deserialize)
                call = bidi(iter([request_class()]), metadata=admin.metadata, timeout=2)
                try:
                    await call.read()
                finally:
                    # A stream answered once is done with here: it must not outlive the test's server.
                    call.cancel()
            elif method.server_streaming:
                stream = channel.unary_stream(path, request_serializer=serialize, response_deserializer=deserialize)
                server_stream = stream(request_class(), metadata=admin.metadata, timeout=2)
                try:
                    await server_stream.read()
                finally:
                    server_stream.cancel()
            else:
                unary = channel.unary_unary(path, request_serializer=serialize, response_deserializer=deserialize)
                await unary(request_class(), metadata=admin.metadata, timeout=5)
            answered[path] = grpc.StatusCode.OK
        except grpc.aio.AioRpcError as error:
            answered[path] = error.code()
    unexpected = {grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL}
    broken = {path: code for path, code in answered.items() if code in unexpected}
    assert not broken
    # The admin stayed signed in throughout; only the refresh of an empty token is refused as such.
    refused = {path for path, code in answered.items() if code == grpc.StatusCode.UNAUTHENTICATED}
    assert refused == {"/helpdesk.v1.AuthService/RefreshToken"}
    assert len(answered) == sum(len(s.methods) for s in API_SERVICES)

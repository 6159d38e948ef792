"""Helpers shared by the tests: signing users in through the API, reading google.rpc error details."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import grpc
import grpc.aio
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Role

# Fixed so that every import of this module (pytest may load test helpers twice) agrees on it.
TEST_JWT_SECRET = "helpdesk-test-secret-4c0b7e1d9a2f6538-not-for-production"


@dataclass
class SignedIn:
    """A user signed in through the API."""

    user_id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        """Call metadata carrying the access token."""
        return (("authorization", f"Bearer {self.access_token}"),)


def unique_email(prefix: str = "user") -> str:
    """An email no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


async def register(
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub,
    *,
    email: str | None = None,
    password: str = "correct horse 1",
) -> SignedIn:
    """Registers a new customer through the API."""
    email = email or unique_email("customer")
    response = await auth_stub.Register(
        auth_service_pb2.RegisterRequest(email=email, password=password, display_name="Test Customer")
    )
    return SignedIn(response.user.id, email, password, response.access_token, response.refresh_token)


async def sign_in_as(
    app: HelpdeskApp,
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub,
    role: Role,
    *,
    password: str = "staff pass 123",
) -> SignedIn:
    """Creates a user of `role` (as the CLI would) and signs them in through the API."""
    email = unique_email(role.value)
    await app.users.create_user(
        email=email, password=password, display_name=f"Test {role.value}", role=role, active=True, request_id=None
    )
    response = await auth_stub.Login(auth_service_pb2.LoginRequest(email=email, password=password))
    return SignedIn(response.user.id, email, password, response.access_token, response.refresh_token)


def error_details(error: grpc.aio.AioRpcError) -> list[Message]:
    """The google.rpc detail messages of a failed call, unpacked."""
    status = rpc_status.from_call(error)
    if status is None:
        return []
    unpacked: list[Message] = []
    for holder in status.details:
        for kind in (
            error_details_pb2.BadRequest,
            error_details_pb2.ErrorInfo,
            error_details_pb2.RetryInfo,
        ):
            if holder.Is(kind.DESCRIPTOR):
                message = kind()
                holder.Unpack(message)
                unpacked.append(message)
    return unpacked


def bad_fields(error: grpc.aio.AioRpcError) -> set[str]:
    """The field paths named by a BadRequest detail."""
    return {
        violation.field
        for detail in error_details(error)
        if isinstance(detail, error_details_pb2.BadRequest)
        for violation in detail.field_violations
    }

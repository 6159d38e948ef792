"""Access rules come from the contract: every API method has one, and they mean what they say."""

from __future__ import annotations

import uuid

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool

from server.api import API_SERVICES
from server.core.access import AccessPolicy
from server.core.context import Principal, Role
from server.core.errors import ConfigurationError, PermissionDenied, Unauthenticated


def _principal(role: Role) -> Principal:
    return Principal(user_id=uuid.uuid4(), role=role, session_id=uuid.uuid4())


def test_every_api_method_declares_a_rule() -> None:
    policy = AccessPolicy.from_services(API_SERVICES)
    declared = {f"/{s.full_name}/{m.name}" for s in API_SERVICES for m in s.methods}
    assert set(policy.methods) == declared
    assert len(declared) > 30  # the whole contract, not just auth


def test_rules_match_the_design_table() -> None:
    policy = AccessPolicy.from_services(API_SERVICES)
    login = policy.rule_for("/helpdesk.v1.AuthService/Login")
    login.check(None)
    me = policy.rule_for("/helpdesk.v1.AuthService/GetCurrentUser")
    with pytest.raises(Unauthenticated):
        me.check(None)
    for role in Role:
        me.check(_principal(role))
    create_user = policy.rule_for("/helpdesk.v1.UserService/CreateUser")
    create_user.check(_principal(Role.ADMIN))
    for role in (Role.CUSTOMER, Role.AGENT):
        with pytest.raises(PermissionDenied):
            create_user.check(_principal(role))


def test_unknown_api_methods_are_refused_and_infrastructure_is_open() -> None:
    policy = AccessPolicy.from_services(API_SERVICES)
    with pytest.raises(PermissionDenied):
        policy.rule_for("/helpdesk.v1.AuthService/Backdoor").check(_principal(Role.ADMIN))
    policy.rule_for("/grpc.health.v1.Health/Check").check(None)


def test_a_method_without_a_rule_stops_the_server_from_starting() -> None:
    file = descriptor_pb2.FileDescriptorProto(name="ruleless.proto", package="ruleless.v1")
    file.message_type.add(name="Empty")
    service = file.service.add(name="RulelessService")
    service.method.add(name="Open", input_type=".ruleless.v1.Empty", output_type=".ruleless.v1.Empty")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    descriptor = pool.FindServiceByName("ruleless.v1.RulelessService")
    with pytest.raises(ConfigurationError, match="RulelessService/Open"):
        AccessPolicy.from_services([descriptor])

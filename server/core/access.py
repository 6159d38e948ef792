"""Access rules, read from the `(helpdesk.v1.access)` option that every RPC declares in the protos.

The contract is the single source of truth: the table is built from the generated descriptors at
start-up, and a `helpdesk.v1` method without a rule makes the server refuse to start.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from google.protobuf.descriptor import FileDescriptor, ServiceDescriptor

from helpdesk.v1 import access_pb2, user_pb2
from server.core.context import Principal, Role
from server.core.errors import ConfigurationError, PermissionDenied, Unauthenticated

API_PACKAGE = "helpdesk.v1"

_ROLE_FROM_PROTO = {
    user_pb2.ROLE_CUSTOMER: Role.CUSTOMER,
    user_pb2.ROLE_AGENT: Role.AGENT,
    user_pb2.ROLE_ADMIN: Role.ADMIN,
}


@dataclass(frozen=True, slots=True)
class AccessRule:
    """Who may call one RPC."""

    allow_anonymous: bool
    roles: frozenset[Role]
    credential_in_request: bool

    def check(self, principal: Principal | None) -> None:
        """Raises Unauthenticated / PermissionDenied unless `principal` may call the method."""
        if self.allow_anonymous:
            return
        if principal is None:
            raise Unauthenticated("authentication required")
        if principal.role not in self.roles:
            raise PermissionDenied("your role may not call this method", reason="ROLE_NOT_ALLOWED")


# Methods outside the API (health checks, reflection) are open to everyone.
PUBLIC_INFRASTRUCTURE_RULE = AccessRule(allow_anonymous=True, roles=frozenset(), credential_in_request=False)


class AccessPolicy:
    """Rules for every RPC of the API, keyed by gRPC method path (`/helpdesk.v1.AuthService/Login`)."""

    def __init__(self, rules: Mapping[str, AccessRule]) -> None:
        self._rules = dict(rules)

    @classmethod
    def from_services(cls, services: Iterable[ServiceDescriptor]) -> AccessPolicy:
        """Builds the table from service descriptors; every method must declare a rule."""
        rules: dict[str, AccessRule] = {}
        missing: list[str] = []
        for service in services:
            for method in service.methods:
                path = f"/{service.full_name}/{method.name}"
                options = method.GetOptions()
                if not options.HasExtension(access_pb2.access):
                    missing.append(path)
                    continue
                declared = options.Extensions[access_pb2.access]
                roles = frozenset(_ROLE_FROM_PROTO[r] for r in declared.roles if r in _ROLE_FROM_PROTO)
                if not declared.allow_anonymous and not roles:
                    missing.append(path)
                    continue
                rules[path] = AccessRule(
                    allow_anonymous=declared.allow_anonymous,
                    roles=roles,
                    credential_in_request=declared.credential_in_request,
                )
        if missing:
            raise ConfigurationError("RPCs without an access rule: " + ", ".join(sorted(missing)))
        return cls(rules)

    @classmethod
    def from_files(cls, files: Iterable[FileDescriptor]) -> AccessPolicy:
        """Builds the table from every service in `files`."""
        return cls.from_services(s for f in files for s in f.services_by_name.values())

    def rule_for(self, method: str) -> AccessRule:
        """The rule of `method`; an unknown API method is refused rather than allowed."""
        rule = self._rules.get(method)
        if rule is not None:
            return rule
        if method.startswith(f"/{API_PACKAGE}."):
            return AccessRule(allow_anonymous=False, roles=frozenset(), credential_in_request=False)
        return PUBLIC_INFRASTRUCTURE_RULE

    @property
    def methods(self) -> list[str]:
        """Every API method with a rule."""
        return sorted(self._rules)

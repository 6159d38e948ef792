"""SLA policies: create (idempotently), read, list, update, delete.

Transport-free. Roles are the access rules' (administrators write, agents read); one policy per
priority and category, refused with ALREADY_EXISTS (SLA_POLICY_EXISTS) otherwise.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import uuid
from collections.abc import Sequence

from server.core.context import Principal
from server.core.errors import Aborted, AlreadyExists, InvalidArgument, NotFound
from server.core.validation import FieldChecks
from server.sla.clock import Clock
from server.sla.convert import UPDATABLE_FIELDS, stored_input
from server.sla.validation import PolicyInput, check_policy
from server.tickets.changes import ChangeListener
from server.tickets.validation import check_request_id
from storage.db import Database
from storage.etags import etag_matches
from storage.models import SlaPolicy
from storage.pagination import decode_page_token, encode_page_token, resolve_page_size

_log = logging.getLogger(__name__)

CREATE_POLICY_SCOPE = "helpdesk.v1.SlaService/CreateSlaPolicy"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _exists() -> AlreadyExists:
    return AlreadyExists("another SLA policy has this priority and category", reason="SLA_POLICY_EXISTS")


def _not_found() -> NotFound:
    return NotFound("SLA policy not found")


def parse_policy_id(value: str, *, field: str = "id") -> uuid.UUID:
    """A policy id; InvalidArgument on `field` unless it is a UUID."""
    if not value:
        raise InvalidArgument.field(field, "is required")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument.field(field, "is not a valid SLA policy id (a UUID)") from None


def _check_etag(etag: str, policy: SlaPolicy) -> None:
    if etag and not etag_matches(etag, policy.version):
        raise Aborted("the SLA policy was changed since it was read; read it again and retry", reason="ETAG_MISMATCH")


class SlaPolicies:
    """The policy commands and reads over one database."""

    def __init__(self, *, database: Database, clock: Clock, changes: ChangeListener | None = None) -> None:
        self._database = database
        self._clock = clock
        # Told when a deletion clears the policy of its tickets (a change of theirs that logs none).
        self._changes = changes

    async def create(self, *, principal: Principal, policy: PolicyInput, request_id: str) -> SlaPolicy:
        """Creates a policy; a retry with the same `request_id` returns the first one."""
        checks = FieldChecks()
        key = checks.run(lambda: check_request_id(request_id))
        values = checks.run(lambda: check_policy(policy, now=self._clock()))
        checks.raise_if_any()
        assert values is not None
        scope = f"{CREATE_POLICY_SCOPE}/{principal.user_id}"
        async with self._database.unit_of_work() as uow:
            policy_id = uuid.uuid4()
            winner = await uow.idempotency.earlier(scope=scope, request_id=key, resource_id=str(policy_id))
            if winner is not None:
                earlier = await uow.sla_policies.get(policy_id=uuid.UUID(winner))
                if earlier is None:
                    raise NotFound("the SLA policy created with this request_id was deleted")
                return earlier
            created = await uow.sla_policies.add(policy_id=policy_id, values=values)
            if created is None:
                raise _exists()
        _log.info("SLA policy %s created by %s", created.id, principal.user_id)
        return created

    async def get(self, *, policy_id: str) -> SlaPolicy:
        """One policy; NotFound if there is none."""
        parsed = parse_policy_id(policy_id)
        async with self._database.read_only() as uow:
            policy = await uow.sla_policies.get(policy_id=parsed)
        if policy is None:
            raise _not_found()
        return policy

    async def list(self, *, page_size: int, page_token: str) -> tuple[list[SlaPolicy], str]:
        """A page of policies, most urgent priority first, and the next page's token ("" on the last)."""
        size = resolve_page_size(page_size, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
        position = decode_page_token(page_token, filters={})
        try:
            offset = int(position[0]) if position else 0
            if offset < 0:
                raise ValueError(offset)
        except (ValueError, IndexError):
            raise InvalidArgument.field("page_token", "is not a page token returned by this method") from None
        async with self._database.read_only() as uow:
            policies = await uow.sla_policies.list_page(offset=offset, limit=size + 1)
        if len(policies) <= size:
            return policies, ""
        return policies[:size], encode_page_token(position=[str(offset + size)], filters={})

    async def update(self, *, policy_id: str, paths: Sequence[str], policy: PolicyInput, etag: str) -> SlaPolicy:
        """Applies the fields named in `paths`, then checks the policy as a whole."""
        parsed = parse_policy_id(policy_id, field="sla_policy.id")
        checks = FieldChecks()
        names = checks.update_mask(paths, UPDATABLE_FIELDS)
        checks.raise_if_any()
        async with self._database.unit_of_work() as uow:
            stored = await uow.sla_policies.get(policy_id=parsed, lock=True)
            if stored is None:
                raise _not_found()
            _check_etag(etag, stored)
            merged = dataclasses.replace(stored_input(stored), **{name: getattr(policy, name) for name in names})
            values = check_policy(merged, now=self._clock())
            changes = {name: value for name, value in values.items() if getattr(stored, name) != value}
            if not changes:
                return stored
            updated = await uow.sla_policies.update(policy_id=parsed, changes=changes)
            if updated is None:
                raise _exists()
        _log.info("SLA policy %s updated (%s)", parsed, ", ".join(sorted(changes)))
        return updated

    async def delete(self, *, policy_id: str, etag: str) -> None:
        """Deletes a policy; its tickets keep the due times they have."""
        parsed = parse_policy_id(policy_id)
        async with self._database.unit_of_work() as uow:
            stored = await uow.sla_policies.get(policy_id=parsed, lock=True)
            if stored is None:
                raise _not_found()
            _check_etag(etag, stored)
            await uow.sla_policies.delete(policy_id=parsed)
            if self._changes is not None:
                # Its tickets' `sla_policy_id` is cleared (ON DELETE SET NULL), unnamed: all held tickets go.
                uow.after_commit(functools.partial(self._changes.tickets_changed, None))
        _log.info("SLA policy %s deleted", parsed)

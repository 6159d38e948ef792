"""The personal-data parts, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from server.privacy.domain import PersonalData
from server.privacy.retention import RetentionJob, RetentionPolicies
from server.privacy.servicer import PrivacyServicer
from server.settings import Settings
from server.tickets.changes import ChangeListener
from server.users.domain import SessionCache
from server.users.passwords import PasswordHasher
from storage.db import Database


@dataclass(frozen=True, slots=True)
class Privacy:
    """Exports and erasures, the retention policy and its job, and their servicer."""

    personal_data: PersonalData
    policies: RetentionPolicies
    retention: RetentionJob
    servicer: PrivacyServicer
    settings: Settings

    @classmethod
    def create(
        cls,
        *,
        settings: Settings,
        database: Database,
        hasher: PasswordHasher,
        sessions: SessionCache,
        changes: ChangeListener,
    ) -> Privacy:
        """Builds every part; `sessions` ends erased customers' sessions everywhere, `changes` wakes ticket views."""
        personal_data = PersonalData(database=database, hasher=hasher, sessions=sessions, changes=changes)
        policies = RetentionPolicies(database=database)
        retention = RetentionJob(database=database, changes=changes, batch_size=settings.retention_batch_size)
        servicer = PrivacyServicer(
            personal_data=personal_data, policies=policies, max_message_bytes=settings.max_message_bytes
        )
        return cls(
            personal_data=personal_data, policies=policies, retention=retention, servicer=servicer, settings=settings
        )

    def start(self) -> None:
        """Starts the retention job's passes (every `retention_interval_seconds`; 0 turns them off here)."""
        if self.settings.retention_interval_seconds > 0:
            self.retention.start(interval_seconds=self.settings.retention_interval_seconds)

    async def stop(self) -> None:
        """Stops the retention job."""
        await self.retention.stop()

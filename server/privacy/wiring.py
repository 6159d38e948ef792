"""The personal-data parts, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from server.privacy.domain import PersonalData
from server.privacy.servicer import PrivacyServicer
from server.tickets.changes import ChangeListener
from server.users.domain import SessionCache
from server.users.passwords import PasswordHasher
from storage.db import Database


@dataclass(frozen=True, slots=True)
class Privacy:
    """Exports and erasures, and their servicer."""

    personal_data: PersonalData
    servicer: PrivacyServicer

    @classmethod
    def create(
        cls, *, database: Database, hasher: PasswordHasher, sessions: SessionCache, changes: ChangeListener
    ) -> Privacy:
        """Builds both parts; `sessions` ends erased customers' sessions everywhere, `changes` wakes ticket views."""
        personal_data = PersonalData(database=database, hasher=hasher, sessions=sessions, changes=changes)
        return cls(personal_data=personal_data, servicer=PrivacyServicer(personal_data=personal_data))

"""The canned responses' parts, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from server.responses.domain import CannedResponses
from server.responses.servicer import CannedResponseServicer
from storage.db import Database


@dataclass(frozen=True, slots=True)
class Responses:
    """The canned-response domain and its servicer."""

    responses: CannedResponses
    servicer: CannedResponseServicer

    @classmethod
    def create(cls, *, database: Database) -> Responses:
        """Builds both parts."""
        responses = CannedResponses(database=database)
        return cls(responses=responses, servicer=CannedResponseServicer(responses=responses))

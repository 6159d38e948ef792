"""Request validation shared by every domain: collecting field violations, checking update masks."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import TypeVar

from server.core.errors import FieldViolation, InvalidArgument

_T = TypeVar("_T")


def reject_nul(value: str, *, field: str) -> None:
    """Raises InvalidArgument on `field` if `value` holds a NUL character.

    PostgreSQL text cannot store NUL: without this check such a value would reach the database
    and fail there as an internal error instead of the client's.
    """
    if "\x00" in value:
        raise InvalidArgument.field(field, "must not contain NUL characters")


class FieldChecks:
    """Runs several field checks and reports every failure at once, in one InvalidArgument."""

    def __init__(self) -> None:
        self.violations: list[FieldViolation] = []

    def run(self, check: Callable[[], _T]) -> _T | None:
        """The check's result, or None after recording its violations."""
        try:
            return check()
        except InvalidArgument as error:
            self.violations.extend(error.violations)
            return None

    def add(self, field: str, description: str) -> None:
        """Records a violation found by the caller itself."""
        self.violations.append(FieldViolation(field, description))

    def raise_if_any(self) -> None:
        """Raises InvalidArgument listing every recorded violation, if there are any."""
        if self.violations:
            raise InvalidArgument(self.violations)

    def update_mask(self, paths: Iterable[str], updatable: Collection[str], *, field: str = "update_mask") -> set[str]:
        """Records a violation for an empty mask or unknown paths (AIP-134); returns the paths as a set."""
        names = set(paths)
        allowed = ", ".join(updatable)
        if not names:
            self.add(field, f"is required: name the fields to update ({allowed})")
        unknown = sorted(names - set(updatable))
        if unknown:
            self.add(field, f"cannot update {', '.join(unknown)}; updatable fields: {allowed}")
        return names

"""Request validation shared by every domain: the shared limits, collecting field violations, update masks."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from typing import TypeVar

from server.core.errors import FieldViolation, InvalidArgument

_T = TypeVar("_T")

# Limits every domain that has the field shares (a ticket and an article alike).
MAX_TITLE_LENGTH = 200  # a ticket's subject, an article's title
MAX_CATEGORY_LENGTH = 64
MAX_TAGS = 20
MAX_TAG_LENGTH = 32
_TAG = re.compile(rf"[a-z0-9_-]{{1,{MAX_TAG_LENGTH}}}")


def check_tags(values: Iterable[str], *, field: str) -> list[str]:
    """Tags lower-cased, sorted, deduplicated: at most MAX_TAGS, each 1 to MAX_TAG_LENGTH of a-z 0-9 - _."""
    tags = sorted({value.strip().lower() for value in values})
    bad = [tag for tag in tags if not _TAG.fullmatch(tag)]
    if bad:
        raise InvalidArgument.field(
            field, f"each tag must be 1 to {MAX_TAG_LENGTH} of a-z, 0-9, '-' or '_': {bad[0]!r}"
        )
    if len(tags) > MAX_TAGS:
        raise InvalidArgument.field(field, f"at most {MAX_TAGS} tags")
    return tags


def check_category(value: str, *, field: str) -> str:
    """A category, trimmed ("" = uncategorised), at most MAX_CATEGORY_LENGTH characters."""
    trimmed = value.strip()
    if len(trimmed) > MAX_CATEGORY_LENGTH:
        raise InvalidArgument.field(field, f"must be at most {MAX_CATEGORY_LENGTH} characters")
    return trimmed


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

"""Slugs: URL-friendly article names derived once from the title and never changed."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Collection

MAX_SLUG_LENGTH = 80
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(title: str) -> str:
    """`Como redefinir sua senha?` -> `como-redefinir-sua-senha` (accents folded, ASCII only).

    A title with nothing usable gives `article`; a result shaped like a UUID gets a prefix, so a
    slug can never be mistaken for an id by `GetArticle`.
    """
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c)).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_only).strip("-")[:MAX_SLUG_LENGTH].strip("-")
    if not slug:
        return "article"
    if looks_like_uuid(slug):
        return f"article-{slug}"[:MAX_SLUG_LENGTH].strip("-")
    return slug


def looks_like_uuid(value: str) -> bool:
    """Whether `value` parses as a UUID (then `GetArticle` looks it up as an id)."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def first_free_slug(base: str, taken: Collection[str]) -> str:
    """`base` if free, else `base-2`, `base-3`, ... (the first not in `taken`)."""
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: MAX_SLUG_LENGTH - len(suffix)].strip("-") + suffix
        if candidate not in taken:
            return candidate
        n += 1

"""Etags (AIP-154) of versioned rows: one format for every resource."""

from __future__ import annotations


def etag_for_version(version: int) -> str:
    """The etag of a row at `version` (a weak validator: it names the version, not the bytes)."""
    return f'W/"{version}"'


def etag_matches(etag: str, version: int) -> bool:
    """Whether a client's `etag` names `version` (anything malformed simply does not match)."""
    return etag.strip() == etag_for_version(version)

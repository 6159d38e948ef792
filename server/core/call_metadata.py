"""What a call's metadata says about it: header values, and the client's address behind trusted proxies."""

from __future__ import annotations

from collections.abc import Sequence

import grpc.aio

Metadata = Sequence[tuple[str, str | bytes]]


def metadata_value(metadata: grpc.aio.Metadata | Metadata | None, key: str) -> str | None:
    """The first value of `key` in call metadata, as text."""
    for name, value in metadata or ():
        if name == key:
            return value.decode() if isinstance(value, bytes) else value
    return None


# The headers every call's interceptor reads.
CALL_HEADERS = frozenset({"x-request-id", "x-forwarded-for", "user-agent", "authorization"})


def call_headers(metadata: grpc.aio.Metadata | Metadata | None) -> dict[str, str]:
    """The first value of each of CALL_HEADERS present in `metadata`, as text, in one pass.

    What `metadata_value` gives for each, without walking the metadata once per header.
    """
    found: dict[str, str] = {}
    for name, value in metadata or ():
        if name in CALL_HEADERS and name not in found:
            found[name] = value.decode() if isinstance(value, bytes) else value
    return found


def client_address(peer: str, forwarded_for: str | None, trusted_hops: int) -> str:
    """The caller's IP: from x-forwarded-for behind `trusted_hops` proxies, else the TCP peer.

    Each trusted proxy appends the address it saw, so the client is the `trusted_hops`-th entry
    from the right; anything further left was written by the client and cannot be trusted.
    """
    if trusted_hops > 0 and forwarded_for:
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        if len(hops) >= trusted_hops:
            return hops[-trusted_hops]
    # grpc peers look like "ipv4:127.0.0.1:5000" or "ipv6:[::1]:5000".
    kind, _, rest = peer.partition(":")
    if kind == "ipv6":
        return rest.rpartition(":")[0].strip("[]")
    if kind == "ipv4":
        return rest.rpartition(":")[0]
    return peer

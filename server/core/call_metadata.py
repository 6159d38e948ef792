"""What a call's metadata says about it: header values, and the client's address behind trusted proxies."""

from __future__ import annotations

from collections.abc import Sequence

import grpc.aio

from server.core.errors import Unauthenticated

Metadata = Sequence[tuple[str, str | bytes]]


def metadata_value(metadata: grpc.aio.Metadata | Metadata | None, key: str) -> str | None:
    """The first value of `key` in call metadata, as text."""
    for name, value in metadata or ():
        if name == key:
            return value.decode() if isinstance(value, bytes) else value
    return None


def call_headers(
    metadata: grpc.aio.Metadata | Metadata | None,
) -> tuple[str | None, str | None, str | None, str | None]:
    """The first values of x-request-id, x-forwarded-for, user-agent and authorization in `metadata`, in one pass.

    What `metadata_value` gives for each, without walking the metadata once per header. grpc
    gives every value as text but those of `-bin` keys, which these are not.
    """
    request_id = forwarded_for = user_agent = authorization = None
    for name, value in metadata or ():
        # In the order of how often they come (user-agent on every call, authorization on most).
        if name == "user-agent":
            if user_agent is None:
                user_agent = value
        elif name == "authorization":
            if authorization is None:
                authorization = value
        elif name == "x-request-id":
            if request_id is None:
                request_id = value
        elif name == "x-forwarded-for" and forwarded_for is None:
            forwarded_for = value
    return request_id, forwarded_for, user_agent, authorization  # type: ignore[return-value] # text, as above


def bearer_token(header: str) -> str:
    """The access token of an `authorization` header; an invalid credential is refused, not ignored."""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("authorization must be 'Bearer <access token>'")
    return token


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


class ClientAddresses:
    """`client_address` for one server's trusted proxy hops, remembered for the peers and proxies seen lately.

    Every call asks, and the answer depends only on the peer and the x-forwarded-for header, which
    repeat from call to call (a connection's peer; a client behind its proxies).
    """

    # Past this many different answers, the remembered ones are forgotten and learned again.
    _REMEMBERED = 4096

    def __init__(self, trusted_hops: int) -> None:
        self._trusted_hops = trusted_hops
        self._known: dict[str | tuple[str, str], str] = {}

    def client_address(self, peer: str, forwarded_for: str | None) -> str:
        """`client_address(peer, forwarded_for, trusted_hops)`."""
        # The header counts only behind trusted proxies.
        key: str | tuple[str, str] = (peer, forwarded_for) if forwarded_for and self._trusted_hops else peer
        address = self._known.get(key)
        if address is None:
            if len(self._known) >= self._REMEMBERED:
                self._known.clear()
            address = self._known[key] = client_address(peer, forwarded_for, self._trusted_hops)
        return address

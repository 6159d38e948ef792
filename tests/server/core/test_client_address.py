"""The client address used for rate limits cannot be spoofed through x-forwarded-for."""

from __future__ import annotations

from server.core.call_metadata import client_address


def test_direct_peer_without_proxies() -> None:
    assert client_address("ipv4:10.1.2.3:5555", "6.6.6.6", trusted_hops=0) == "10.1.2.3"
    assert client_address("ipv6:[::1]:5555", None, trusted_hops=0) == "::1"


def test_behind_one_trusted_proxy_the_last_hop_counts() -> None:
    # The client claimed 6.6.6.6; Envoy appended the address it really saw.
    assert client_address("ipv4:127.0.0.1:5555", "6.6.6.6, 203.0.113.9", trusted_hops=1) == "203.0.113.9"


def test_too_few_hops_falls_back_to_the_peer() -> None:
    assert client_address("ipv4:127.0.0.1:5555", "203.0.113.9", trusted_hops=2) == "127.0.0.1"

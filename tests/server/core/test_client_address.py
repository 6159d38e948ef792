"""The client address used for rate limits cannot be spoofed through x-forwarded-for."""

from __future__ import annotations

from server.core.call_metadata import ClientAddresses, client_address


def test_direct_peer_without_proxies() -> None:
    assert client_address("ipv4:10.1.2.3:5555", "6.6.6.6", trusted_hops=0) == "10.1.2.3"
    assert client_address("ipv6:[::1]:5555", None, trusted_hops=0) == "::1"


def test_behind_one_trusted_proxy_the_last_hop_counts() -> None:
    # The client claimed 6.6.6.6; Envoy appended the address it really saw.
    assert client_address("ipv4:127.0.0.1:5555", "6.6.6.6, 203.0.113.9", trusted_hops=1) == "203.0.113.9"


def test_too_few_hops_falls_back_to_the_peer() -> None:
    assert client_address("ipv4:127.0.0.1:5555", "203.0.113.9", trusted_hops=2) == "127.0.0.1"


def test_remembered_addresses_are_the_ones_worked_out() -> None:
    cases = [
        ("ipv4:10.1.2.3:5555", None),
        ("ipv4:10.1.2.3:5555", "6.6.6.6"),
        ("ipv4:127.0.0.1:5555", "6.6.6.6, 203.0.113.9"),
        ("ipv4:127.0.0.1:5555", "203.0.113.9"),
        ("ipv4:127.0.0.1:5556", "203.0.113.10"),
        ("ipv6:[::1]:5555", None),
    ]
    for hops in (0, 1, 2):
        addresses = ClientAddresses(hops)
        # Asked twice (the second answer is the remembered one), and again after others were asked.
        for _ in range(2):
            for peer, forwarded_for in cases:
                assert addresses.client_address(peer, forwarded_for) == client_address(peer, forwarded_for, hops)

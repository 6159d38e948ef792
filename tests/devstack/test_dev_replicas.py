"""`helpdesk dev --replicas 2`: two gRPC servers behind Envoy's round robin, both serving."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from devstack.redis import free_port
from tests.devstack.test_dev_stack import BANNER_END, DevProcess
from tests.gateway.wire import http_request

pytestmark = pytest.mark.slow


def _requests_per_replica(admin_url: str) -> dict[str, int]:
    with urllib.request.urlopen(admin_url + "/clusters?format=json", timeout=5) as response:  # noqa: S310
        clusters = json.load(response)
    counts: dict[str, int] = {}
    for cluster in clusters["cluster_statuses"]:
        if cluster["name"] != "helpdesk_servers":
            continue
        for host in cluster["host_statuses"]:
            address = host["address"]["socket_address"]
            stats = {stat["name"]: int(stat.get("value", 0)) for stat in host["stats"]}
            counts[f"{address['address']}:{address['port_value']}"] = stats.get("rq_total", 0)
    return counts


def test_dev_with_two_replicas_balances_round_robin(
    data_dir: Path, running_on: Callable[[Path], list[psutil.Process]]
) -> None:
    grpc_port, gateway_port = free_port(), free_port()
    dev = DevProcess(data_dir, grpc_port=grpc_port, gateway_port=gateway_port, extra_args=("--replicas", "2"))
    try:
        dev.wait_for_line(BANNER_END)
        banner = "\n".join(dev.lines)
        replicas_line = next(line for line in banner.splitlines() if "Replicas (round robin behind Envoy)" in line)
        ports = [int(p) for p in replicas_line.rsplit("  ", 1)[1].split(", ")]
        assert len(ports) == 2
        assert ports[0] == grpc_port
        admin_url = next(line for line in banner.splitlines() if "Envoy admin" in line).split()[-1]

        for _ in range(10):
            response = http_request("GET", f"{dev.gateway}/v1/categories")
            assert response.status == 200, response.body

        counts = _requests_per_replica(admin_url)
        assert set(counts) == {f"127.0.0.1:{port}" for port in ports}
        assert all(count >= 3 for count in counts.values()), counts
        assert dev.interrupt() == 0
    finally:
        dev.close()
    assert running_on(data_dir) == []

"""`helpdesk dev` prints where its Prometheus metrics are, and they show live figures."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from devstack.redis import free_port
from devstack.seed import DEMO_USERS
from tests.devstack.test_dev_stack import BANNER_END, DevProcess
from tests.gateway.wire import http_request

pytestmark = pytest.mark.slow


def _scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the banner's local URL
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_dev_banner_prints_a_live_metrics_address(data_dir: Path) -> None:
    dev = DevProcess(data_dir, grpc_port=free_port(), gateway_port=free_port())
    try:
        dev.wait_for_line(BANNER_END)
        banner = "\n".join(dev.lines)
        found = re.search(r"Prometheus metrics\s+(http://127\.0\.0\.1:\d+/metrics)", banner)
        assert found, banner
        url = found.group(1)

        customer = next(u for u in DEMO_USERS if u.role == "customer")
        for _ in range(2):
            response = http_request(
                "POST", dev.gateway + "/v1/auth:login", body={"email": customer.email, "password": customer.password}
            )
            assert response.status == 200, response.body
        samples = _scrape(url)
        login_ok = (("code", "OK"), ("method", "helpdesk.v1.AuthService/Login"))
        assert samples[("helpdesk_rpc_requests_total", login_ok)] == 2
        assert dev.interrupt() == 0
    finally:
        dev.close()

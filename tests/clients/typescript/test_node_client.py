"""The TypeScript client's own tests (clients/typescript/test, node's test runner) against a real stack.

This test starts the stack — the module's server and a real Envoy in front of it — and runs
`node --test` with the gateway URL (and an agent account for the chat test) in the environment.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from pathlib import Path

import pytest

# The node suite may take up to 100 s on a loaded machine; the limit also covers starting and
# stopping the module's server and Envoy around it.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


async def test_node_client_suite_passes_against_the_gateway(
    gateway: str, typescript_package: Path, agent_account: tuple[str, str]
) -> None:
    node = shutil.which("node")
    assert node is not None, "node is not installed"
    agent_email, agent_password = agent_account
    env = {
        **os.environ,
        "HELPDESK_GATEWAY_URL": gateway,
        "HELPDESK_AGENT_EMAIL": agent_email,
        "HELPDESK_AGENT_PASSWORD": agent_password,
    }
    # Asynchronous: the server under test runs on this event loop and must keep answering.
    process = await asyncio.create_subprocess_exec(
        node,
        "--test",
        "--test-reporter=tap",
        "test/",
        cwd=typescript_package,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output_bytes, _ = await asyncio.wait_for(process.communicate(), timeout=100)
    output = output_bytes.decode(errors="replace")

    assert process.returncode == 0, output
    passed = re.search(r"^# pass (\d+)$", output, re.MULTILINE)
    failed = re.search(r"^# fail (\d+)$", output, re.MULTILINE)
    assert passed is not None, output
    assert failed is not None, output
    assert failed.group(1) == "0", output
    # Every service has landed: nothing may skip (chat, the chat queue and ticket watching included).
    skipped = re.search(r"^# skipped (\d+)$", output, re.MULTILINE)
    assert skipped is not None, output
    assert skipped.group(1) == "0", output
    assert int(passed.group(1)) >= 10, output

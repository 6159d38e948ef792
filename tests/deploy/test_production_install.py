"""A production install (`pip install .`, no extras) can run `helpdesk migrate` and `helpdesk serve`.

The commands run as real processes in which the dev extra's packages cannot be imported (an import
hook refuses them, as a fresh venv without the extra would): `migrate` builds the schema of an
empty database, `serve` reports SERVING on its health service and registers a customer.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from devstack.redis import free_port
from helpdesk.v1 import auth_service_pb2_grpc
from tests.support import TEST_JWT_SECRET, register, wait_serving
from tests.test_dependency_rules import DEV_ONLY

pytestmark = pytest.mark.slow

# `python WITHOUT_DEV_EXTRA COMMAND...`: the `helpdesk` command with the dev extra's packages absent.
WITHOUT_DEV_EXTRA = textwrap.dedent(
    f"""
    import importlib.abc
    import sys

    ABSENT = {DEV_ONLY!r}


    class Absent(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ABSENT:
                raise ModuleNotFoundError(f"No module named {{name!r}} (not in a production install)", name=name)
            return None


    sys.meta_path.insert(0, Absent())
    from server.cli import main

    sys.exit(main(sys.argv[1:]))
    """
)


@pytest.fixture
def production_helpdesk(tmp_path: Path) -> list[str]:
    """The command line of `helpdesk` as a production install runs it."""
    script = tmp_path / "helpdesk_without_dev_extra.py"
    script.write_text(WITHOUT_DEV_EXTRA)
    return [sys.executable, str(script)]


def production_env(**values: str) -> dict[str, str]:
    """This environment without any Helpdesk configuration, plus `values`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("HELPDESK_") and name not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(values)
    return env


@pytest.fixture
def serve(
    production_helpdesk: list[str], empty_database_url: str, redis_url: str, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    """`helpdesk serve` of a production install, stopped (SIGTERM) at the end if still running."""
    port = free_port()
    env = production_env(
        DATABASE_URL=empty_database_url,
        REDIS_URL=redis_url,
        HELPDESK_JWT_SECRET=TEST_JWT_SECRET,
        HELPDESK_GRPC_PORT=str(port),
        HELPDESK_BCRYPT_COST="4",
        HELPDESK_METRICS_PORT="0",  # any free port: the default 9464 may be another process's
        HELPDESK_SHUTDOWN_GRACE_SECONDS="1",
    )
    log = tmp_path / "serve.log"
    migrated = subprocess.run(
        [*production_helpdesk, "migrate"], env=env, capture_output=True, text=True, timeout=90, check=False
    )
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.startswith("database migrated to ")
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*production_helpdesk, "serve"], env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=output
        )
    try:
        yield process, port, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


async def test_migrate_then_serve_without_the_dev_extra(
    serve: tuple[subprocess.Popen[bytes], int, Path], empty_database_url: str
) -> None:
    process, port, log = serve
    engine = create_async_engine(empty_database_url)
    try:
        async with engine.connect() as connection:
            tables = await connection.scalar(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('users', 'tickets')")
            )
    finally:
        await engine.dispose()
    assert tables == 2

    await wait_serving(port, lambda: None if process.poll() is None else log.read_text()[-3000:], within=60)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        customer = await register(auth_service_pb2_grpc.AuthServiceStub(channel))
    assert customer.access_token

    process.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(process.wait, 30) == 0, log.read_text()[-3000:]


def test_dev_without_the_dev_extra_says_what_to_install(production_helpdesk: list[str], tmp_path: Path) -> None:
    result = subprocess.run(
        [*production_helpdesk, "dev", "--data-dir", str(tmp_path / "dev")],
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert "pip install 'helpdesk-server[dev]'" in result.stderr
    assert not (tmp_path / "dev").exists()

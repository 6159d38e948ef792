"""Test harness: real PostgreSQL and Redis, a fresh database per test module, a real server on port 0.

PostgreSQL and Redis come from the embedded wheels (started once per session), unless
`HELPDESK_TEST_DATABASE_URL` / `HELPDESK_TEST_REDIS_URL` point at running servers. Each test module
gets its own database cloned from a migrated template (so the schema always comes from the
migrations) and an emptied Redis database.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis
from sqlalchemy.engine import make_url

from devstack.postgres import EmbeddedPostgres
from devstack.redis import EmbeddedRedis
from server.app import HelpdeskApp
from server.settings import Settings
from tests.log_scan import LogScanner, password_literals
from tests.support import TEST_JWT_SECRET

_database_counter = itertools.count()


def _asyncpg_dsn(sqlalchemy_url: str, database: str | None = None) -> dict[str, object]:
    url = make_url(sqlalchemy_url)
    if database is not None:
        url = url.set(database=database)
    params: dict[str, object] = {"user": url.username or "postgres", "database": url.database}
    host = url.query.get("host") or url.host or "127.0.0.1"
    params["host"] = host if isinstance(host, str) else host[0]
    params["port"] = url.port or 5432
    if url.password:
        params["password"] = url.password
    return params


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of a PostgreSQL server whose superuser the tests may use."""
    external = os.environ.get("HELPDESK_TEST_DATABASE_URL")
    if external:
        yield external
        return
    # Not under pytest's tmp_path: PostgreSQL runs as its own user when we are root, and another
    # pytest session may make pytest's temp root private (0700) while this one runs.
    data_dir = Path(tempfile.mkdtemp(prefix="helpdesk-test-pg-", dir="/tmp"))
    server = EmbeddedPostgres(data_dir / "data")
    server.start()
    try:
        yield server.url("postgres")
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a Redis server the tests may flush."""
    external = os.environ.get("HELPDESK_TEST_REDIS_URL")
    if external:
        yield external
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), persist=False)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


async def _admin_execute(postgres_url: str, *statements: str) -> None:
    conn = await asyncpg.connect(**_asyncpg_dsn(postgres_url, "postgres"))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def template_database(postgres_url: str) -> AsyncIterator[str]:
    """Name of a database migrated to head, cloned for every test module."""
    from storage.migrations import upgrade_to_head

    name = f"helpdesk_tpl_{os.getpid()}"
    await _admin_execute(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    await asyncio.to_thread(upgrade_to_head, url)
    yield name
    await _admin_execute(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def create_database_from_template(postgres_url: str, template: str) -> tuple[str, str]:
    """Clones the migrated template into a new database; returns (name, SQLAlchemy URL)."""
    name = f"helpdesk_t{os.getpid()}_{next(_database_counter)}"
    await _admin_execute(
        postgres_url,
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f'CREATE DATABASE "{name}" TEMPLATE "{template}"',
    )
    return name, make_url(postgres_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
async def database_url(postgres_url: str, template_database: str) -> AsyncIterator[str]:
    """A fresh, migrated database for this test module."""
    name, url = await create_database_from_template(postgres_url, template_database)
    yield url
    await _admin_execute(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def empty_database_url(postgres_url: str) -> AsyncIterator[str]:
    """URL of a brand-new database with no schema at all, dropped after the test."""
    name = f"helpdesk_empty_{uuid.uuid4().hex[:12]}"
    await _admin_execute(postgres_url, f'CREATE DATABASE "{name}"')
    yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    await _admin_execute(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
async def redis_url(redis_server_url: str) -> str:
    """The test Redis, emptied for this test module."""
    client = aioredis.Redis.from_url(redis_server_url)
    await client.flushdb()
    await client.aclose()
    return redis_server_url


@pytest.fixture(scope="module")
def settings(database_url: str, redis_url: str) -> Settings:
    """Server settings for this module: real stores, port 0, a cheap bcrypt cost to keep tests fast."""
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        jwt_secret=TEST_JWT_SECRET,
        grpc_port=0,
        bcrypt_cost=4,
        shutdown_grace_seconds=2.0,
        log_format="console",
        # Hundreds of calls a second come from 127.0.0.1 here; the limiter and /metrics have their own tests.
        rate_limit_enabled=False,
        metrics_port=None,
    )


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top directory."""
    return Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
async def app(settings: Settings) -> AsyncIterator[HelpdeskApp]:
    """A real server on an ephemeral port, over this module's fresh database and Redis."""
    server = await HelpdeskApp.create(settings)
    await server.start()
    yield server
    await server.stop(grace=1.0)


_LOG_SCANNER = pytest.StashKey[LogScanner]()


@pytest.fixture(scope="session", autouse=True)
def _log_scanner(request: pytest.FixtureRequest) -> Iterator[LogScanner]:
    """Keeps every log line of the run (INFO and up, as production logs) for the secret scan."""
    scanner = LogScanner()
    root = logging.getLogger()
    saved_level = root.level
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)
    request.config.stash[_LOG_SCANNER] = scanner
    try:
        yield scanner
    finally:
        root.setLevel(saved_level)


@pytest.fixture(autouse=True)
def _log_scanner_attached(_log_scanner: LogScanner) -> None:
    """Re-attaches the scanner if a test (or the CLI it runs) reconfigured logging."""
    root = logging.getLogger()
    if _log_scanner not in root.handlers:
        root.addHandler(_log_scanner)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fails the run if any credential the tests used appears in any log line."""
    scanner = session.config.stash.get(_LOG_SCANNER, None)
    if scanner is None:
        return
    logging.getLogger().removeHandler(scanner)
    leaks = scanner.leaks(password_literals(Path(__file__).parent.rglob("*.py")))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_line(f"log secret scan: {len(scanner.lines)} log lines searched, {len(leaks)} leak(s)")
        for leak in leaks[:20]:
            reporter.write_line(f"  credential logged: {leak.describe()}", red=True)
    if leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

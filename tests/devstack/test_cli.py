"""The `helpdesk` console script, run as a real subprocess."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from devstack.postgres import EmbeddedPostgres
from storage.migrations import head_revisions

HELPDESK = Path(sys.executable).parent / "helpdesk"
STRONG_SECRET = "a-strong-production-secret-" + uuid.uuid4().hex


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any Helpdesk configuration, plus `extra`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("HELPDESK_") and name not in ("DATABASE_URL", "REDIS_URL")
    }
    # Cheap hashing keeps the tests fast; the cost is read from the stored hash on login.
    env["HELPDESK_BCRYPT_COST"] = "4"
    env.update(extra)
    return env


def helpdesk(*args: str, env: dict[str, str] | None = None, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """Runs `helpdesk ARGS` and returns its outcome (never raises on a non-zero exit)."""
    return subprocess.run(
        [str(HELPDESK), *args],
        env=clean_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_serve_without_configuration_exits_2_naming_the_missing_variables() -> None:
    result = helpdesk("serve")

    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
    assert "REDIS_URL" in result.stderr
    assert "HELPDESK_JWT_SECRET" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_serve_names_the_one_missing_variable() -> None:
    result = helpdesk("serve", env=clean_env(DATABASE_URL="postgresql+asyncpg://x/y", REDIS_URL="redis://x"))

    assert result.returncode == 2
    assert "HELPDESK_JWT_SECRET" in result.stderr
    assert "DATABASE_URL" not in result.stderr


@pytest.mark.parametrize(
    "secret",
    ["short-secret", "helpdesk-dev-secret-do-not-use-in-production-0123456789", "a" * 64],
    ids=["too-short", "the-dev-secret", "repetitive"],
)
def test_serve_refuses_a_weak_jwt_secret(secret: str) -> None:
    env = clean_env(DATABASE_URL="postgresql+asyncpg://x/y", REDIS_URL="redis://x", HELPDESK_JWT_SECRET=secret)

    result = helpdesk("serve", env=env)

    assert result.returncode == 2
    assert "HELPDESK_JWT_SECRET" in result.stderr
    assert secret not in result.stderr


def test_serve_reports_a_malformed_setting() -> None:
    env = clean_env(
        DATABASE_URL="postgresql+asyncpg://x/y",
        REDIS_URL="redis://x",
        HELPDESK_JWT_SECRET=STRONG_SECRET,
        HELPDESK_GRPC_PORT="not-a-port",
    )

    result = helpdesk("serve", env=env)

    assert result.returncode == 2
    assert "HELPDESK_GRPC_PORT" in result.stderr


def _users(postgres: EmbeddedPostgres) -> dict[str, str]:
    rows = postgres.psql("SELECT email, role FROM users ORDER BY email")
    return dict(line.split("|") for line in rows.splitlines() if line)


@pytest.mark.slow
def test_migrate_and_create_user_on_a_data_dir_start_and_stop_postgres(data_dir: Path) -> None:
    migrated = helpdesk("migrate", "--data-dir", str(data_dir))
    assert migrated.returncode == 0, migrated.stderr
    for head in head_revisions():
        assert head in migrated.stdout

    created = helpdesk(
        "create-user", "--data-dir", str(data_dir), "--email", " New.Agent@Example.com ",
        "--password", "agent-password-1", "--role", "agent", "--display-name", "New Agent",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr

    duplicate = helpdesk(
        "create-user", "--data-dir", str(data_dir), "--email", "new.agent@example.com",
        "--password", "agent-password-2", "--role", "admin",
    )  # fmt: skip
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr

    postgres = EmbeddedPostgres(data_dir / "postgres")
    # The commands started PostgreSQL for the moment, and stopped it again.
    assert not postgres.is_running()
    postgres.start()
    try:
        assert _users(postgres) == {"new.agent@example.com": "agent"}
    finally:
        postgres.stop()


@pytest.mark.slow
def test_create_user_leaves_a_running_postgres_running(data_dir: Path) -> None:
    postgres = EmbeddedPostgres(data_dir / "postgres")
    # As if `helpdesk dev` were running: the cluster is up before the command.
    postgres.start()
    try:
        assert helpdesk("migrate", "--data-dir", str(data_dir)).returncode == 0
        created = helpdesk(
            "create-user", "--data-dir", str(data_dir), "--email", "admin2@example.com",
            "--password", "admin-password-1", "--role", "admin",
        )  # fmt: skip
        assert created.returncode == 0, created.stderr

        assert postgres.is_running()
        assert _users(postgres) == {"admin2@example.com": "admin"}
    finally:
        postgres.stop()


def test_create_user_refuses_bad_input_with_the_field_named(database_url: str) -> None:
    result = helpdesk(
        "create-user", "--email", "not-an-email", "--password", "short", "--role", "agent",
        env=clean_env(DATABASE_URL=database_url),
    )  # fmt: skip

    assert result.returncode == 1
    assert "user.email" in result.stderr
    assert "password" in result.stderr
    assert "Traceback" not in result.stderr


def test_create_user_rejects_an_unknown_role() -> None:
    result = helpdesk("create-user", "--email", "a@example.com", "--password", "long-enough", "--role", "root")

    assert result.returncode == 2
    assert "invalid choice" in result.stderr


async def test_migrate_and_create_user_use_database_url_when_set(database_url: str) -> None:
    env = clean_env(DATABASE_URL=database_url)

    migrated = await asyncio.to_thread(helpdesk, "migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    created = await asyncio.to_thread(
        helpdesk, "create-user", "--email", "customer9@example.com", "--password", "customer-pass-9",
        "--role", "customer", env=env,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            role = await connection.scalar(text("SELECT role FROM users WHERE email = 'customer9@example.com'"))
    finally:
        await engine.dispose()
    assert role == "customer"


def test_envoy_config_renders_from_the_environment_and_validates(repo_root: Path) -> None:
    env = clean_env(
        HELPDESK_GATEWAY_UPSTREAMS="server-a:50051,server-b:50051",
        HELPDESK_GATEWAY_CORS_ORIGINS="https://support.example.com",
        HELPDESK_GATEWAY_DESCRIPTOR=str(repo_root / "clients" / "descriptors" / "helpdesk.binpb"),
    )

    result = helpdesk("envoy-config", "--check", env=env)

    assert result.returncode == 0, result.stderr
    assert '"address": "server-b", "port_value": 50051' in result.stdout
    assert '{"exact": "https://support.example.com"}' in result.stdout


def test_envoy_config_names_the_missing_upstreams() -> None:
    result = helpdesk("envoy-config")

    assert result.returncode == 2
    assert "HELPDESK_GATEWAY_UPSTREAMS" in result.stderr

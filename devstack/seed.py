"""Demo data for `helpdesk dev`, created once per database.

Seeding is a list of named steps (`SEED_STEPS`). Each completed step is recorded in a small state
file in the data dir together with the identity of the database it ran against, so a second
`helpdesk dev` reuses the data instead of duplicating it, while a fresh database (the data dir's
PostgreSQL wiped) is seeded again. Later issues append their steps (tickets, articles, chats):
a new step runs once on existing data dirs too.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from server.chat.demo import seed_demo_chats
from server.core.context import Role
from server.core.errors import AlreadyExists
from server.knowledge.demo import seed_demo_articles
from server.macros.demo import seed_demo_macros
from server.responses.demo import seed_demo_responses
from server.settings import Settings
from server.sla.demo import seed_demo_sla_policies
from server.tickets.demo import seed_demo_tickets
from server.users.domain import create_user_command
from server.users.passwords import PasswordHasher
from storage.db import Database

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DemoUser:
    """One demo account; the password is public (printed in the banner)."""

    role: Role
    email: str
    password: str
    display_name: str


DEMO_USERS = (
    DemoUser(Role.ADMIN, "admin@example.com", "demo-admin-pass", "Ada Admin"),
    DemoUser(Role.AGENT, "agent1@example.com", "demo-agent-pass", "Alex Agent"),
    DemoUser(Role.AGENT, "agent2@example.com", "demo-agent-pass", "Sam Agent"),
    DemoUser(Role.CUSTOMER, "customer1@example.com", "demo-customer-pass", "Casey Customer"),
    DemoUser(Role.CUSTOMER, "customer2@example.com", "demo-customer-pass", "Robin Customer"),
)


@dataclass(frozen=True, slots=True)
class SeedContext:
    """What a seed step gets: the settings, an open database and a password hasher."""

    settings: Settings
    database: Database
    hasher: PasswordHasher


SeedStep = Callable[[SeedContext], Awaitable[None]]


async def create_user(
    *, database: Database, hasher: PasswordHasher, email: str, password: str, role: Role, display_name: str | None
) -> bool:
    """Creates a user of any role, as an admin would; False if the email is already taken.

    Bad input (a short password, a malformed email) raises InvalidArgument.
    """
    try:
        await create_user_command(
            database=database, hasher=hasher, email=email, password=password, role=role, display_name=display_name
        )
    except AlreadyExists:
        return False
    return True


async def _seed_users(context: SeedContext) -> None:
    for user in DEMO_USERS:
        created = await create_user(
            database=context.database,
            hasher=context.hasher,
            email=user.email,
            password=user.password,
            role=user.role,
            display_name=user.display_name,
        )
        if not created:
            _log.info("demo user %s already exists", user.email)


# Run in this order, each once per database. Append new steps at the end; never rename one.
async def _seed_articles(context: SeedContext) -> None:
    created = await seed_demo_articles(context.database)
    _log.info("seeded %d knowledge-base articles", created)


async def _seed_chats(context: SeedContext) -> None:
    created = await seed_demo_chats(context.database)
    _log.info("seeded %d live chats", created)


async def _seed_sla_policies(context: SeedContext) -> None:
    await seed_demo_sla_policies(context.database)


async def _seed_tickets(context: SeedContext) -> None:
    created = await seed_demo_tickets(context.database)
    _log.info("seeded %d demo tickets", created)


async def _seed_canned_responses(context: SeedContext) -> None:
    created = await seed_demo_responses(context.database)
    _log.info("seeded %d canned responses", created)


async def _seed_macros(context: SeedContext) -> None:
    created = await seed_demo_macros(context.database)
    _log.info("seeded %d macros", created)


SEED_STEPS: tuple[tuple[str, SeedStep], ...] = (
    ("users", _seed_users),
    ("articles", _seed_articles),
    ("chats", _seed_chats),
    # Before the tickets, so that fresh demo tickets get due times (on existing data it runs last).
    ("sla_policies", _seed_sla_policies),
    ("tickets", _seed_tickets),
    ("canned_responses", _seed_canned_responses),
    ("macros", _seed_macros),
)


async def seed_demo_data(*, settings: Settings, state_path: Path) -> list[str]:
    """Runs the seed steps not yet run against this database; returns the names of those it ran."""
    database = Database.create(url=settings.database_url, pool_size=1, max_overflow=0)
    hasher = PasswordHasher(cost=settings.bcrypt_cost, max_concurrency=settings.bcrypt_max_concurrency)
    try:
        identity = await _database_identity(database)
        state = _load_state(state_path)
        recorded = state.get("done") if state.get("database") == identity else None
        done = [str(name) for name in recorded] if isinstance(recorded, list) else []
        ran = []
        context = SeedContext(settings=settings, database=database, hasher=hasher)
        for name, step in SEED_STEPS:
            if name in done:
                continue
            _log.info("seeding demo data: %s", name)
            await step(context)
            done.append(name)
            ran.append(name)
            # Recorded after each step: an interrupted seed resumes where it stopped.
            _save_state(state_path, {"database": identity, "done": done})
        return ran
    finally:
        hasher.close()
        await database.dispose()


async def _database_identity(database: Database) -> str:
    """The cluster's system identifier and the database's oid: new if the data was wiped."""
    async with database.engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT (SELECT system_identifier FROM pg_control_system())::text || '/' || oid::text "
                    "FROM pg_database WHERE datname = current_database()"
                )
            )
        ).scalar_one()
    return str(row)


def _load_state(path: Path) -> dict[str, object]:
    try:
        loaded = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except ValueError:
        _log.warning("ignoring unreadable %s", path)
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _save_state(path: Path, state: dict[str, object]) -> None:
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps(state, indent=2) + "\n")
    os.replace(scratch, path)

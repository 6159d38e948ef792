"""`python -m storage.migrations upgrade|downgrade|current|revision ...` for developers."""

from __future__ import annotations

import argparse
import os

from alembic import command

from storage.migrations import alembic_config, current_revisions, downgrade_to, head_revisions, upgrade_to_head


def main() -> None:
    """Parses the command line and runs one migration command."""
    parser = argparse.ArgumentParser(prog="python -m storage.migrations")
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL"), help="database URL (default: $DATABASE_URL)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("upgrade", help="apply every pending migration")
    down = commands.add_parser("downgrade", help="revert to a revision")
    down.add_argument("revision")
    commands.add_parser("current", help="print the database's revision and the head")
    revision = commands.add_parser("revision", help="write a new, empty revision file")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--rev-id", required=True, help="e.g. 0002_tickets (at most 32 characters)")
    args = parser.parse_args()

    if args.command == "revision":
        command.revision(alembic_config(), message=args.message, rev_id=args.rev_id)
        return
    if not args.url:
        parser.error("--url or DATABASE_URL is required")
    if args.command == "upgrade":
        upgrade_to_head(args.url)
    elif args.command == "downgrade":
        downgrade_to(args.url, args.revision)
    print(f"database: {sorted(current_revisions(args.url))}  heads: {sorted(head_revisions())}")


if __name__ == "__main__":
    main()

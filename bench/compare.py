"""Two versions in one run: `python -m bench --old /path/to/other/checkout`.

The other checkout's own `helpdesk serve` (from its `.venv`, as `make install` made it) runs beside
this checkout's on the same PostgreSQL, and every scenario is measured against both, back to back,
alternating like the baseline. Both servers run on one schema, migrated by this checkout. That
works when the other checkout's migrations are a prefix of this one's: every file it has, this
checkout has byte for byte, and this checkout may add more (a branch adding a migration, compared
with the main it started from). The old server then runs on the newer schema, as an old replica
does during a rolling deploy, and the bench says so. Migrations that diverge (a file changed, or
one only the old checkout has) mean a schema the old code was never written for and one this
checkout cannot build: that comparison is refused before anything starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.environment import REPO_ROOT, git_commit

MIGRATIONS = Path("storage") / "migrations"


class CompareError(RuntimeError):
    """The other checkout cannot be compared with this one; the message says why and what to do."""


@dataclass(frozen=True)
class MigrationDifferences:
    """How the other (old) checkout's storage/migrations files differ from this (new) checkout's."""

    only_new: tuple[str, ...]
    only_old: tuple[str, ...]
    changed: tuple[str, ...]

    @property
    def diverge(self) -> bool:
        """The old checkout's files are not a prefix of this one's: one schema cannot serve both."""
        return bool(self.only_old or self.changed)

    def lines(self) -> list[str]:
        """One line per differing file (empty: the same migrations)."""
        return [
            *(f"only in this checkout: {name}" for name in self.only_new),
            *(f"only in the old checkout: {name}" for name in self.only_old),
            *(f"changed: {name}" for name in self.changed),
        ]


@dataclass(frozen=True)
class OldCheckout:
    """The other checkout, accepted for comparison."""

    # Its `helpdesk` console script.
    command: list[str]
    # This checkout's migrations it does not have: the schema its server runs on is ahead of its code.
    newer_migrations: tuple[str, ...]

    def schema_note(self) -> str | None:
        """Says that the old server runs on a schema newer than its own migrations (None: the same schema)."""
        if not self.newer_migrations:
            return None
        return (
            f"the old checkout lacks {len(self.newer_migrations)} of this checkout's migrations"
            f" ({', '.join(self.newer_migrations)}): its server runs on this checkout's newer schema"
        )


def old_checkout(checkout: Path) -> OldCheckout:
    """The other checkout's `helpdesk` command, after checking its migrations are a prefix of this checkout's."""
    checkout = checkout.resolve()
    if not (checkout / MIGRATIONS).is_dir():
        raise CompareError(f"{checkout} is not a Helpdesk checkout (no {MIGRATIONS}/)")
    differences = migration_differences(REPO_ROOT, checkout)
    if differences.diverge:
        raise CompareError(
            f"refusing to compare with {checkout}: its migrations differ from this checkout's, so the two "
            "servers cannot share one database.\n  "
            + "\n  ".join(differences.lines())
            + "\nCompare with a checkout whose storage/migrations this checkout has unchanged (rebase one of them)."
        )
    script = checkout / ".venv" / "bin" / "helpdesk"
    if not script.exists():
        raise CompareError(f"{script} not found: run `make install` in {checkout} first")
    return OldCheckout(command=[str(script)], newer_migrations=differences.only_new)


def migration_differences(new: Path, old: Path) -> MigrationDifferences:
    """What differs between the two checkouts' migrations, by file."""
    new_files, old_files = _migration_files(new), _migration_files(old)
    return MigrationDifferences(
        only_new=tuple(sorted(new_files.keys() - old_files.keys())),
        only_old=tuple(sorted(old_files.keys() - new_files.keys())),
        changed=tuple(
            name for name in sorted(new_files.keys() & old_files.keys()) if new_files[name] != old_files[name]
        ),
    )


def _migration_files(checkout: Path) -> dict[str, bytes]:
    root = checkout / MIGRATIONS
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def describe_checkout(checkout: Path, accepted: OldCheckout) -> dict[str, object]:
    """The other checkout's path and commit, and the migrations its server ran without, for the results file."""
    commit, dirty = git_commit(checkout)
    return {
        "path": str(checkout.resolve()),
        "git_commit": commit,
        "git_dirty": dirty,
        "newer_migrations": list(accepted.newer_migrations),
    }

"""Two versions in one run: `python -m bench --old /path/to/other/checkout`.

The other checkout's own `helpdesk serve` (from its `.venv`, as `make install` made it) runs beside
this checkout's on the same PostgreSQL, and every scenario is measured against both, back to back,
alternating like the baseline. Both servers must run on the same schema: the checkouts'
migrations must be identical, or the comparison is refused before anything starts.
"""

from __future__ import annotations

from pathlib import Path

from bench.environment import REPO_ROOT, git_commit

MIGRATIONS = Path("storage") / "migrations"


class CompareError(RuntimeError):
    """The other checkout cannot be compared with this one; the message says why and what to do."""


def old_helpdesk_command(checkout: Path) -> list[str]:
    """The other checkout's `helpdesk` console script, after checking its migrations are this checkout's."""
    checkout = checkout.resolve()
    if not (checkout / MIGRATIONS).is_dir():
        raise CompareError(f"{checkout} is not a Helpdesk checkout (no {MIGRATIONS}/)")
    differences = migration_differences(REPO_ROOT, checkout)
    if differences:
        raise CompareError(
            f"refusing to compare with {checkout}: its migrations differ from this checkout's, so the two "
            "servers cannot share one database.\n  "
            + "\n  ".join(differences)
            + "\nCompare two versions with the same storage/migrations (rebase one of them)."
        )
    script = checkout / ".venv" / "bin" / "helpdesk"
    if not script.exists():
        raise CompareError(f"{script} not found: run `make install` in {checkout} first")
    return [str(script)]


def migration_differences(new: Path, old: Path) -> list[str]:
    """What differs between the two checkouts' migrations, one line per file (empty: the same)."""
    new_files, old_files = _migration_files(new), _migration_files(old)
    lines = [f"only in this checkout: {name}" for name in sorted(new_files.keys() - old_files.keys())]
    lines += [f"only in the old checkout: {name}" for name in sorted(old_files.keys() - new_files.keys())]
    lines += [
        f"changed: {name}" for name in sorted(new_files.keys() & old_files.keys()) if new_files[name] != old_files[name]
    ]
    return lines


def _migration_files(checkout: Path) -> dict[str, bytes]:
    root = checkout / MIGRATIONS
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def describe_checkout(checkout: Path) -> dict[str, object]:
    """The other checkout's path and commit, for the results file."""
    commit, dirty = git_commit(checkout)
    return {"path": str(checkout.resolve()), "git_commit": commit, "git_dirty": dirty}

"""`--old` accepts a checkout whose migrations are a prefix of this checkout's, and refuses one that diverges.

A branch that adds a migration is compared with the main it started from: the old server then runs
on the newer schema this checkout migrated, as an old replica does during a rolling deploy. A file
changed, or one only the old checkout has, is a schema neither side can serve both from.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.compare import CompareError, old_checkout

REPO_ROOT = Path(__file__).resolve().parents[2]
VERSIONS = REPO_ROOT / "storage" / "migrations" / "versions"


def newest_migration() -> Path:
    """This checkout's highest-numbered migration: no other migration of this checkout builds on it."""
    return sorted(VERSIONS.glob("[0-9]*.py"))[-1]


def checkout_like_this_one(root: Path) -> Path:
    """A directory holding this checkout's migrations and a `helpdesk` script where `make install` puts one."""
    shutil.copytree(
        REPO_ROOT / "storage" / "migrations",
        root / "storage" / "migrations",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "helpdesk").symlink_to(REPO_ROOT / ".venv" / "bin" / "helpdesk")
    return root


def test_the_same_migrations_need_no_note(tmp_path: Path) -> None:
    accepted = old_checkout(checkout_like_this_one(tmp_path))

    assert accepted.command == [str(tmp_path.resolve() / ".venv" / "bin" / "helpdesk")]
    assert accepted.newer_migrations == ()
    assert accepted.schema_note() is None


def test_a_prefix_of_this_checkouts_migrations_is_accepted_and_named(tmp_path: Path) -> None:
    old = checkout_like_this_one(tmp_path)
    newest = newest_migration()
    (old / "storage" / "migrations" / "versions" / newest.name).unlink()

    accepted = old_checkout(old)

    assert accepted.newer_migrations == (f"versions/{newest.name}",)
    note = accepted.schema_note()
    assert note is not None
    assert f"versions/{newest.name}" in note
    assert "runs on this checkout's newer schema" in note


def test_a_migration_only_the_old_checkout_has_is_refused(tmp_path: Path) -> None:
    old = checkout_like_this_one(tmp_path)
    newest = newest_migration()
    # The old checkout lacks this checkout's newest migration and has one of its own: the two have diverged.
    (old / "storage" / "migrations" / "versions" / newest.name).rename(
        old / "storage" / "migrations" / "versions" / "9999_elsewhere.py"
    )

    with pytest.raises(CompareError) as refused:
        old_checkout(old)

    assert "migrations differ" in str(refused.value)
    assert "only in the old checkout: versions/9999_elsewhere.py" in str(refused.value)
    assert f"only in this checkout: versions/{newest.name}" in str(refused.value)


def test_a_changed_migration_is_refused_even_when_the_rest_is_a_prefix(tmp_path: Path) -> None:
    old = checkout_like_this_one(tmp_path)
    versions = old / "storage" / "migrations" / "versions"
    (versions / newest_migration().name).unlink()
    first = sorted(versions.glob("0001_*.py"))[0]
    first.write_text(first.read_text() + "\n# changed\n")

    with pytest.raises(CompareError) as refused:
        old_checkout(old)

    assert f"changed: versions/{first.name}" in str(refused.value)

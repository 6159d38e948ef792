"""Where and on what a benchmark ran: commit, versions, machine, and how busy it was at the start."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def git_commit(checkout: Path = REPO_ROOT) -> tuple[str | None, bool | None]:
    """(HEAD commit hash, whether the work tree has uncommitted changes); Nones outside a git checkout."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=checkout, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=checkout,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None
    return head, bool(status.strip())


def describe_environment() -> dict[str, object]:
    """Facts needed to compare results across commits and machines."""
    commit, dirty = git_commit()
    return {
        "git_commit": commit,
        "git_dirty": dirty,
        "python": platform.python_version(),
        "grpcio": metadata.version("grpcio"),
        "protobuf": metadata.version("protobuf"),
        "uvloop": metadata.version("uvloop"),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        # A shared machine: the load before we started says how much to trust the absolute numbers.
        "load_average_at_start": list(os.getloadavg()),
    }

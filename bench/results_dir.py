"""Where a benchmark run writes: its JSON results and the notes scenarios leave (query plans, seeding times).

`python -m bench --results-dir DIR` sends both to DIR, `--no-save` writes nothing at all; the
choice reaches the load generator processes (where scenarios run) through the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
RESULTS_DIR_ENV = "HELPDESK_BENCH_RESULTS_DIR"


def choose_results_dir(directory: Path | None) -> None:
    """Makes `directory` (None: write nothing) this process's and its children's results directory."""
    os.environ[RESULTS_DIR_ENV] = "" if directory is None else str(directory)


def results_dir() -> Path | None:
    """The run's results directory; None under `--no-save`."""
    chosen = os.environ.get(RESULTS_DIR_ENV)
    if chosen is None:
        return RESULTS_DIR
    return Path(chosen) if chosen else None


def write_note(name: str, text: str) -> Path | None:
    """Writes a scenario's note `name` into the results directory (nothing under `--no-save`)."""
    directory = results_dir()
    if directory is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text)
    return path

"""`python -m bench.soak` (`make soak`): the command line of the soak."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path

import uvloop

import bench.soak
from bench.soak.options import RESULTS_DIR, SoakOptions
from bench.soak.report import SoakReport, summary
from bench.soak.run import run_soak


async def _interruptible(run: Coroutine[object, object, SoakReport]) -> SoakReport:
    # SIGTERM cancels the run like Ctrl-C does, so the stack's processes are stopped, not orphaned.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await run


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m bench.soak`: runs the soak and prints the table and the summary."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=(bench.soak.__doc__ or "").split("\n\n")[0]
    )
    defaults = SoakOptions()
    parser.add_argument("--duration", type=float, default=defaults.duration_s, help="measured seconds")
    parser.add_argument("--window", type=float, default=defaults.window_s, help="seconds per reported window")
    parser.add_argument("--warmup", type=float, default=defaults.warmup_s, help="seconds at the target rate first")
    parser.add_argument("--rate", type=float, default=None, help="calls/s of the mix (default: measured)")
    parser.add_argument("--load-fraction", type=float, default=defaults.load_fraction)
    parser.add_argument("--capacity-seconds", type=float, default=defaults.capacity_s)
    parser.add_argument("--capacity-concurrency", type=int, default=defaults.capacity_concurrency)
    parser.add_argument("--streams", type=int, default=defaults.streams)
    parser.add_argument("--chats", type=int, default=defaults.chats)
    parser.add_argument("--tickets", type=int, default=defaults.tickets)
    parser.add_argument("--articles", type=int, default=defaults.articles)
    parser.add_argument("--drain", type=float, default=defaults.drain_s, help="seconds for streams to catch up")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="where the JSON report goes")
    args = parser.parse_args(argv)
    options = SoakOptions(
        duration_s=args.duration,
        window_s=args.window,
        warmup_s=args.warmup,
        rate=args.rate,
        load_fraction=args.load_fraction,
        capacity_s=args.capacity_seconds,
        capacity_concurrency=args.capacity_concurrency,
        streams=args.streams,
        chats=args.chats,
        tickets=args.tickets,
        articles=args.articles,
        drain_s=args.drain,
        results_dir=args.results_dir,
    )
    # uvloop, like the load generators of `python -m bench`: the client shares 2 cores with the server.
    try:
        report = uvloop.run(_interruptible(run_soak(options)))
    except (asyncio.CancelledError, KeyboardInterrupt):
        print("interrupted; the stack was stopped", file=sys.stderr)
        sys.exit(130)
    print(summary(report))
    if report.server_faults or not report.chat.lossless:
        sys.exit(1)


if __name__ == "__main__":
    main()

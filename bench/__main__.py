"""Command line: `python -m bench [--scenarios a,b] [--duration S] [--warmup S] [--concurrency N] [--runs K] [--quick]`.

`--old /path/to/checkout` measures that checkout's server beside this one's; `--no-floors` skips
the floors (`echo-pg`, `echo-redis`) the scenarios name.

Progress goes to stderr, the table to stdout, and the full results to `bench/results/*.json`
(`--results-dir` elsewhere, `--no-save` nowhere).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.compare import CompareError
from bench.measure import LoadgenError
from bench.report import format_table, summarize, write_json
from bench.results_dir import RESULTS_DIR, choose_results_dir
from bench.runner import BenchOptions, run_benchmark
from bench.scenarios import BASELINE, FLOORS, ON_REQUEST, SCENARIOS, get_scenario
from bench.stack import StackError

DEFAULT_RUNS = 3


def parse_args(argv: list[str] | None = None) -> tuple[BenchOptions, Path | None]:
    """Builds the options and the results directory (None: don't write) from the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark Helpdesk RPCs against a bare grpc.aio echo server measured in the same run.",
    )
    others = [name for name in SCENARIOS if name != BASELINE.name and name not in FLOORS and name not in ON_REQUEST]
    parser.add_argument(
        "--scenarios",
        default=",".join(others),
        help=(
            f"comma-separated, from: {', '.join(SCENARIOS)} (default: all but {', '.join(sorted(ON_REQUEST))},"
            f" which seed millions of rows; '{BASELINE.name}' alone: baseline only; the floors"
            f" {', '.join(FLOORS)} come with the scenarios that name them)"
        ),
    )
    parser.add_argument("--runs", type=int, help=f"repetitions; medians are taken across them (default {DEFAULT_RUNS})")
    parser.add_argument("--duration", type=float, help="measured seconds per measurement (default: per scenario)")
    parser.add_argument("--warmup", type=float, help="unmeasured seconds before each window (default: per scenario)")
    parser.add_argument("--concurrency", type=int, help="concurrent callers (default: per scenario)")
    parser.add_argument("--channels", type=int, help="client connections the callers share (default: per scenario)")
    parser.add_argument("--processes", type=int, help="load generator processes (default 1)")
    parser.add_argument("--quick", action="store_true", help="short warm-up and window, 1 run unless --runs is given")
    parser.add_argument(
        "--echo-loop",
        choices=["auto", "uvloop", "asyncio"],
        default="auto",
        help="event loop of the echo baseline (default: the one the Helpdesk server runs)",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for `helpdesk serve`, e.g. HELPDESK_LOG_LEVEL=WARNING (repeatable)",
    )
    parser.add_argument(
        "--no-floors",
        action="store_true",
        help="skip the floors the scenarios name (echo-pg, echo-redis): fewer measurements per run",
    )
    parser.add_argument(
        "--old",
        type=Path,
        metavar="CHECKOUT",
        help=(
            "another Helpdesk checkout (with its .venv from `make install`, and this checkout's migrations"
            " or a prefix of them): its server is measured beside this one's in every run"
        ),
    )
    parser.add_argument(
        "--results-dir", type=Path, default=RESULTS_DIR, help="where the JSON results and the scenarios' notes go"
    )
    parser.add_argument("--no-save", action="store_true", help="write nothing: no JSON results, no notes")
    args = parser.parse_args(argv)

    names = tuple(name.strip() for name in args.scenarios.split(",") if name.strip())
    try:
        names = tuple(get_scenario(name).name for name in names)
    except KeyError as error:
        parser.error(str(error.args[0]))
    server_env: dict[str, str] = {}
    for assignment in args.server_env:
        name, sep, value = assignment.partition("=")
        if not sep or not name:
            parser.error(f"--server-env wants NAME=VALUE, got {assignment!r}")
        server_env[name] = value
    runs = args.runs if args.runs is not None else (1 if args.quick else DEFAULT_RUNS)
    if runs < 1:
        parser.error("--runs must be at least 1")
    options = BenchOptions(
        scenarios=names,
        runs=runs,
        quick=args.quick,
        concurrency=args.concurrency,
        channels=args.channels,
        warmup_s=args.warmup,
        duration_s=args.duration,
        processes=args.processes,
        echo_loop=args.echo_loop,
        server_env=server_env,
        floors=not args.no_floors,
        old_checkout=args.old,
    )
    return options, None if args.no_save else args.results_dir


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark; returns the process exit code."""
    options, results_dir = parse_args(argv)
    choose_results_dir(results_dir)
    try:
        result = run_benchmark(options, progress=lambda line: print(line, file=sys.stderr, flush=True))
    except CompareError as error:
        print(error, file=sys.stderr)
        return 2
    except (LoadgenError, StackError) as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    rows = summarize(result.measurements)
    print(format_table(result, rows))
    if results_dir is not None:
        path = write_json(result, rows, results_dir)
        print(f"\nresults: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

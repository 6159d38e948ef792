"""Where a scenario's server time goes: `python -m bench.hotspots --scenarios GetTicket --tool py-spy`.

The bench says how much CPU a call costs; this says where. It starts the same stack as the bench,
drives each named scenario with its own load for one window, and meanwhile

- `--tool py-spy` samples the server's Python stacks (py-spy, attached from outside: the server
  runs unmodified) and prints the functions holding the most samples, by own time and inclusive,
  and writes the collapsed stacks (flame graph input) to `--out`;
- `--tool callgrind` runs the server under valgrind's callgrind and counts the instructions it
  executes during the window, per successful call. Instruction counts do not move with the
  machine's load (the shared 2-core machines this runs on), so they compare two versions of the
  code where CPU seconds would not; the dump (`--out`) opens in kcachegrind or
  `callgrind_annotate`. Everything runs ~50x slower under valgrind: use few callers.

Neither is a benchmark: py-spy costs the server a little, callgrind a lot.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.echo_server import EchoServer
from bench.measure import measure
from bench.probe import ServedTarget
from bench.profile import LoadProfile
from bench.results_dir import choose_results_dir
from bench.runner import start_echo
from bench.scenarios import Target, get_scenario
from bench.stack import HelpdeskStack

# Valgrind's server starts slowly (imports run ~20x slower even uninstrumented).
_CALLGRIND_READY_TIMEOUT_S = 600.0
_CALLGRIND_TIMEOUT_S = 120.0
_TOTALS = re.compile(r"^(?:summary|totals):\s+(\d+)", re.MULTILINE)


def _tool(name: str, explicit: str | None) -> str:
    found = explicit or shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if not found:
        sys.exit(f"{name} not found (install it, or pass its path)")
    return found


def _summarize_collapsed(path: Path, top: int) -> str:
    """The functions with the most samples in py-spy's collapsed stacks, by own time and inclusive."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = [re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")]
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return "no samples"
    lines = [f"{total} samples", "", "own time:"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    lines += ["", "inclusive:"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    return "\n".join(lines)


def _callgrind(control: str, pid: int, *args: str) -> None:
    subprocess.run([control, *args, str(pid)], check=True, capture_output=True, timeout=_CALLGRIND_TIMEOUT_S)


def main(argv: Sequence[str] | None = None) -> int:
    """Profiles each named scenario for one window; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m bench.hotspots", description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", required=True, help="comma-separated scenario names (echo: the baseline)")
    parser.add_argument("--tool", choices=["py-spy", "callgrind"], default="py-spy")
    parser.add_argument("--duration", type=float, default=15.0, help="profiled seconds per scenario")
    parser.add_argument("--warmup", type=float, default=3.0, help="unprofiled seconds before the window")
    parser.add_argument("--concurrency", type=int, help="callers (default: the scenario's; callgrind: 8)")
    parser.add_argument("--channels", type=int, help="connections (default: the scenario's; callgrind: 2)")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--native", action="store_true", help="py-spy: C frames too (extensions, the loop)")
    parser.add_argument("--top", type=int, default=40, help="functions listed")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "helpdesk-hotspots", help="outputs")
    parser.add_argument("--py-spy", dest="py_spy", help="path of py-spy (default: on PATH or beside python)")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)

    scenarios = [get_scenario(name.strip()) for name in args.scenarios.split(",") if name.strip()]
    server_env = dict(item.split("=", 1) for item in args.server_env)
    args.out.mkdir(parents=True, exist_ok=True)
    # The scenarios' notes (seeding times, query plans) of a profiled run are no bench figures.
    choose_results_dir(args.out)
    callgrind = args.tool == "callgrind"
    prefix: list[str] = []
    if callgrind:
        prefix = [
            _tool("valgrind", None),
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={args.out}/callgrind.%p",
        ]
    ready_timeout_s = _CALLGRIND_READY_TIMEOUT_S if callgrind else 60.0
    with contextlib.ExitStack() as cleanup:
        targets: dict[Target, HelpdeskStack | EchoServer] = {}
        stack: HelpdeskStack | None = None
        if any(s.target is not Target.ECHO for s in scenarios):
            # The floors read this stack's PostgreSQL or Redis (its server only is profiled).
            profiled = prefix if any(s.target is Target.HELPDESK for s in scenarios) else []
            stack = HelpdeskStack(server_env=server_env, server_prefix=profiled, ready_timeout_s=ready_timeout_s)
            stack.start()
            cleanup.callback(stack.stop)
            targets[Target.HELPDESK] = stack
        for echoed in {s.target for s in scenarios} - {Target.HELPDESK}:
            # The baseline and the floors, profiled the same way: their instructions per call are the floors.
            targets[echoed] = start_echo(
                echoed, "uvloop", stack, cleanup, prefix=prefix, ready_timeout_s=ready_timeout_s
            )
        for scenario in scenarios:
            profile = LoadProfile(
                concurrency=args.concurrency or (8 if callgrind else scenario.profile.concurrency),
                channels=args.channels or (2 if callgrind else scenario.profile.channels),
                warmup_s=args.warmup,
                duration_s=args.duration,
                call_timeout_s=60.0 if callgrind else scenario.profile.call_timeout_s,
            )
            target = targets[scenario.target]
            if callgrind:
                _profile_callgrind(target, scenario.name, profile, args.out)
            else:
                _profile_py_spy(target, scenario.name, profile, args)
    return 0


def _profile_py_spy(stack: ServedTarget, name: str, profile: LoadProfile, args: argparse.Namespace) -> None:
    py_spy = _tool("py-spy", args.py_spy)
    out = args.out / f"{name}.collapsed"
    command = [py_spy, "record", "--pid", str(stack.server_pid), "--rate", str(args.rate)]
    command += ["--duration", str(max(1, int(profile.duration_s))), "--format", "raw", "--output", str(out)]
    # Native frames need the process paused per sample; Python-only sampling reads it live.
    command.append("--native" if args.native else "--nonblocking")
    recorders: list[subprocess.Popen[bytes]] = []

    def on_window(edge: str) -> None:
        if edge == "start":
            recorders.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))

    result = measure(stack, scenario=name, profile=profile, run=0, role="scenario", on_window=on_window)
    for recorder in recorders:
        _, stderr = recorder.communicate(timeout=profile.duration_s + 30)
        if recorder.returncode != 0:
            print(stderr.decode(errors="replace"))
    print(f"== {name}: {result.ok_calls} calls, {result.server_cpu_ms_per_call:.3f} server ms/call (under py-spy)")
    if out.exists():
        print(_summarize_collapsed(out, args.top))
        print(f"collapsed stacks: {out}\n")


def _profile_callgrind(stack: ServedTarget, name: str, profile: LoadProfile, out: Path) -> None:
    control = _tool("callgrind_control", None)
    pid = stack.server_pid
    # Instrumentation on for setup and warm-up (the code paths get translated), counters zeroed at
    # the window's start and dumped at its end: the dump holds exactly the window's instructions.
    _callgrind(control, pid, "--instr=on")
    # What the server executes with no calls at all (timers, pings, the poller thread) over as
    # long a window: subtracted, so that a slow window with few calls does not inflate the figure.
    _callgrind(control, pid, "--zero")
    time.sleep(profile.duration_s)
    _callgrind(control, pid, f"--dump={name}-idle")
    idle = _last_dump_total(out, pid)

    def on_window(edge: str) -> None:
        _callgrind(control, pid, "--zero" if edge == "start" else f"--dump={name}")

    result = measure(stack, scenario=name, profile=profile, run=0, role="scenario", on_window=on_window)
    _callgrind(control, pid, "--instr=off")
    instructions = _last_dump_total(out, pid)
    busy = instructions - idle
    per_call = busy / result.ok_calls if result.ok_calls else float("nan")
    print(
        f"== {name}: {result.ok_calls} calls, {instructions / 1e9:.3f} G instructions "
        f"({idle / 1e9:.3f} G idle), {per_call / 1e6:.3f} M instructions/call"
    )


def _last_dump_total(out: Path, pid: int) -> int:
    dumps = sorted(out.glob(f"callgrind.{pid}.*"), key=lambda p: p.stat().st_mtime)
    match = _TOTALS.search(dumps[-1].read_text(errors="replace")) if dumps else None
    return int(match.group(1)) if match else 0


if __name__ == "__main__":
    sys.exit(main())

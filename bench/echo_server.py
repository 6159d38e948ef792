"""The baseline server: bare grpc.aio with one generic unary handler echoing the request bytes.

No interceptors, no (de)serialization, default server options: what is left is the cost of
grpc.aio itself on this machine. Run as its own process (`python -m bench.echo_server`); it prints
`LISTENING <port>` once it accepts calls. `EchoServer` starts and stops it for the harness.

The same server is also the floor of a call that reads a store: with `--postgres URL` each call
first reads one small row by primary key through a bare asyncpg pool, with `--redis URL` it first
GETs one small key through redis-py's asyncio client (hiredis parsing replies), and then echoes.
No ORM, no interceptors, no protobuf: what such a call adds to echo is the round trip itself, the
driver's work and the kernel's (send, epoll, receive), which no server reading that store avoids.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import select
import subprocess
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import IO, Literal

import asyncpg
import grpc
import redis.asyncio as aioredis
import uvloop
from redis.utils import HIREDIS_AVAILABLE

from bench.scenarios.echo import ECHO_METHOD, ECHO_SERVICE

EventLoop = Literal["uvloop", "asyncio"]
ECHO_READY_TIMEOUT_S = 30.0
_REPO_ROOT = Path(__file__).resolve().parent.parent
Handler = Callable[[bytes, grpc.aio.ServicerContext[bytes, bytes]], Awaitable[bytes]]

# The PostgreSQL floor reads its rows in a database of its own on the bench's cluster, so the
# product's schema is left as its migrations made it.
FLOOR_DATABASE = "bench_floor"
# As many connections as the Helpdesk server's pool holds by default (db_pool_size + db_max_overflow).
_POOL_SIZE = 20
# Enough rows that calls read all over the index, not one hot row; shaped like a `users` row.
_FLOOR_ROWS = 1000
_CREATE_ROWS = f"""
CREATE TABLE IF NOT EXISTS floor_users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL UNIQUE,
    display_name text NOT NULL,
    role text NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now()
);
INSERT INTO floor_users (email, display_name, role)
SELECT 'floor-' || i || '@bench.example.com', 'Floor User ' || i, 'customer'
FROM generate_series(1, {_FLOOR_ROWS}) AS i
ON CONFLICT (email) DO NOTHING;
"""  # noqa: S608 - a constant, no input
_READ_ROW = "SELECT id, email, display_name, role, create_time, update_time FROM floor_users WHERE id = $1"
# About the size of a small cached value (a principal, a short page of results).
FLOOR_KEY = "bench:floor"
_FLOOR_VALUE = "v" * 256


async def _echo(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
    return request


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Nothing to undo: a pooled connection that only ran one autocommitted SELECT goes back as it is."""


async def _reading_postgres(url: str) -> Handler:
    """An echo that first reads one `floor_users` row by primary key (a different row each call).

    asyncpg's pool resets every connection given back to it by default, with a statement of its
    own (`RESET ALL; UNLISTEN *; ...`): a second round trip per call, which the Helpdesk server's
    pool does not make. `_keep_session` leaves the one round trip the floor stands for.
    """
    pool = await asyncpg.create_pool(url, min_size=_POOL_SIZE, max_size=_POOL_SIZE, reset=_keep_session)
    async with pool.acquire() as connection:
        await connection.execute(_CREATE_ROWS)
        ids = [row["id"] for row in await connection.fetch("SELECT id FROM floor_users")]
    random.shuffle(ids)
    picks = itertools.cycle(ids)
    fetchrow = pool.fetchrow

    async def handler(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        await fetchrow(_READ_ROW, next(picks))
        return request

    return handler


async def _reading_redis(url: str) -> Handler:
    """An echo that first GETs one small key, through the client and parser the Helpdesk server uses."""
    if not HIREDIS_AVAILABLE:
        raise RuntimeError("hiredis is not installed: the Redis floor would measure redis-py's Python parser")
    client = aioredis.Redis.from_url(url, decode_responses=True)
    await client.set(FLOOR_KEY, _FLOOR_VALUE)
    get = client.get

    async def handler(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        await get(FLOOR_KEY)
        return request

    return handler


async def serve(host: str, port: int, *, postgres_url: str | None = None, redis_url: str | None = None) -> None:
    """Serves the echo method on `host:port` (0: any free port) until the process is terminated.

    With `postgres_url` (a libpq URL) or `redis_url`, each call first reads from that store.
    """
    handler: Handler = _echo
    if postgres_url:
        handler = await _reading_postgres(postgres_url)
    elif redis_url:
        handler = await _reading_redis(redis_url)
    server = grpc.aio.server()
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(
                ECHO_SERVICE, {ECHO_METHOD: grpc.unary_unary_rpc_method_handler(handler)}
            )
        ]
    )
    bound = server.add_insecure_port(f"{host}:{port}")
    await server.start()
    print(f"LISTENING {bound}", flush=True)
    await server.wait_for_termination()


def main(argv: list[str] | None = None) -> None:
    """Command line: `python -m bench.echo_server [--host H] [--port P] [--loop L] [--postgres URL | --redis URL]`."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.echo_server", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    reads = parser.add_mutually_exclusive_group()
    reads.add_argument("--postgres", metavar="URL", help="read one row by primary key per call (libpq URL)")
    reads.add_argument("--redis", metavar="URL", help="GET one small key per call")
    args = parser.parse_args(argv)
    served = serve(args.host, args.port, postgres_url=args.postgres, redis_url=args.redis)
    if args.loop == "uvloop":
        uvloop.run(served)
    else:
        asyncio.run(served)


class EchoServer:
    """The echo server running as a child process, for the harness.

    `postgres_url` or `redis_url` make it a floor (each call reads from that store first);
    `stores` then lists the store processes whose CPU the probe counts beside the server's.
    """

    def __init__(
        self,
        *,
        loop: EventLoop,
        host: str = "127.0.0.1",
        prefix: Sequence[str] = (),
        ready_timeout_s: float = ECHO_READY_TIMEOUT_S,
        postgres_url: str | None = None,
        redis_url: str | None = None,
        stores: Callable[[], list[int]] | None = None,
    ) -> None:
        self.loop = loop
        self._host = host
        self._reads: list[str] = []
        if postgres_url:
            self._reads = ["--postgres", postgres_url]
        elif redis_url:
            self._reads = ["--redis", redis_url]
        self._stores = stores
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
        """The stores a floor reads from (looked up afresh); none for the bare echo server."""
        return self._stores() if self._stores is not None else []

    def start(self) -> None:
        """Starts the process and waits until it listens."""
        self._process = subprocess.Popen(
            [
                *self._prefix,
                sys.executable,
                "-m",
                "bench.echo_server",
                "--host",
                self._host,
                "--loop",
                self.loop,
                *self._reads,
            ],
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

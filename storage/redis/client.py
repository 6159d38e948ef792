"""The Redis client of a process: short timeouts so that a dead Redis fails fast instead of hanging."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Iterable, Sequence
from typing import Any, cast

import hiredis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import MaxConnectionsError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

# A healthy Redis answers in well under a millisecond; a second means it is gone.
CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 1.0
HEALTH_CHECK_INTERVAL_SECONDS = 15


class _Connection(aioredis.Connection):
    """redis-py's TCP connection, bounding each write with `asyncio.timeout` instead of `asyncio.wait_for`.

    With a socket timeout set, redis-py (8.1) sends every command through `asyncio.wait_for`,
    which on Python 3.11 wraps the write in a Task of its own: a task, its scheduling and an
    extra event-loop turn per Redis command (every rate-limited call, every cached search). The
    timeout and the failure handling are unchanged: a write that does not finish within the
    socket timeout, or fails, disconnects and raises redis-py's TimeoutError / ConnectionError.
    """

    async def send_packed_command(self, command: bytes | str | Iterable[bytes], check_health: bool = True) -> None:
        """Writes one packed command (see the class docstring for what differs from redis-py's)."""
        if not self.socket_timeout:
            await super().send_packed_command(command, check_health)
            return
        if not self.is_connected:
            await self.connect_check_health(check_health=False)
        if check_health:
            await self.check_health()  # type: ignore[no-untyped-call] # redis-py leaves it unannotated
        try:
            if isinstance(command, str):
                command = command.encode()
            if isinstance(command, bytes):
                command = [command]
            async with asyncio.timeout(self.socket_timeout):
                await self._send_packed_command(command)
        except TimeoutError:
            await self.disconnect(nowait=True)
            raise RedisTimeoutError("Timeout writing to socket") from None
        except OSError as e:
            await self.disconnect(nowait=True)
            err_no, errmsg = ("UNKNOWN", e.args[0]) if len(e.args) == 1 else (e.args[0], e.args[1])
            raise RedisConnectionError(f"Error {err_no} while writing to socket. {errmsg}.") from e
        except BaseException:
            # A write cut off part-way (cancelled) leaves the connection unusable.
            await self.disconnect(nowait=True)
            raise


class _WaitingPool(aioredis.ConnectionPool):
    """redis-py's pool, except that a command finding every connection in use waits its turn for one.

    redis-py (8.1) refuses a command outright ("Too many connections") once `max_connections`
    (100 by default) are in use, so a burst of concurrent calls would read a merely busy Redis as
    a failed one: cached reads falling back to PostgreSQL all at once (and exhausting its pool),
    Redis-backed checks failing. Here such a command queues, first come first served, for as long
    as connections keep coming back: a pool busy with the process's own commands is back-pressure,
    bounded by the call's own deadline (which cancels the wait). Only when no connection has come
    back for the socket timeout does a waiting command fail (MaxConnectionsError): every one is
    then held by a command Redis has not answered, or by a subscription. Until the pool is full
    nothing differs: taking and returning a connection is redis-py's own code, plus one check for
    waiters.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Waiting commands, oldest first; each future is set when a connection comes back for it.
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._wait_seconds: float = self.connection_kwargs.get("socket_timeout") or READ_TIMEOUT_SECONDS
        # When a connection last came back (loop clock): a pool giving connections back is only busy.
        self._returned_at = 0.0

    async def get_connection(self, command_name: Any = None, *keys: Any, **options: Any) -> Any:
        """A connected connection; while all of them are in use, waits its turn for one (see the class)."""
        if not self._waiters:
            try:
                return await super().get_connection()  # type: ignore[no-untyped-call] # redis-py leaves it unannotated
            except MaxConnectionsError:
                pass
        # Behind the commands already waiting, even if a connection is free: it is theirs.
        return await self._wait_for_connection()

    async def _wait_for_connection(self) -> Any:
        loop = asyncio.get_running_loop()
        started = loop.time()
        first_in_line = False
        while True:
            freed = loop.create_future()
            if first_in_line:
                self._waiters.appendleft(freed)
            else:
                self._waiters.append(freed)
            try:
                while not freed.done():
                    give_up_at = max(started, self._returned_at) + self._wait_seconds
                    if loop.time() >= give_up_at:
                        raise MaxConnectionsError(
                            f"Too many connections: none came back within {self._wait_seconds:g} s"
                        )
                    await asyncio.wait((freed,), timeout=give_up_at - loop.time())
            except BaseException:
                if freed.done():
                    # Woken, then cancelled before taking the connection: the next waiter takes it.
                    self._wake_one()
                else:
                    self._waiters.remove(freed)
                raise
            try:
                return await super().get_connection()  # type: ignore[no-untyped-call] # redis-py leaves it unannotated
            except MaxConnectionsError:
                # A command that had not waited took it before this one ran: still the next in line.
                first_in_line = True
            except BaseException:
                # Cancelled before taking the connection it was woken for: the next waiter tries
                # (a connection given back meanwhile wakes one too; a waiter woken for nothing queues again).
                self._wake_one()
                raise

    async def release(self, connection: Any) -> None:
        """Returns `connection` to the pool and wakes the longest-waiting command, if any."""
        await super().release(connection)
        self._returned_at = asyncio.get_running_loop().time()
        if self._waiters:
            self._wake_one()

    def _wake_one(self) -> None:
        if self._waiters:
            self._waiters.popleft().set_result(None)


def create_redis(url: str, *, max_connections: int | None = None) -> aioredis.Redis:
    """A client for `url` (`redis://host:port/db`) returning `str` values. Connects lazily.

    One immediate retry covers a connection dropped while idle; anything longer is the caller's
    decision (fail closed, fall back to PostgreSQL). A command finding all `max_connections`
    (default 100) in use waits its turn for one (`_WaitingPool`). The caller closes it with `await aclose()`.
    """
    pool = _WaitingPool.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=READ_TIMEOUT_SECONDS,
        health_check_interval=HEALTH_CHECK_INTERVAL_SECONDS,
        retry=Retry(NoBackoff(), 1),
        max_connections=max_connections,
        client_name="helpdesk",
        connection_class=_Connection,
    )
    return aioredis.Redis.from_pool(pool)


class PipelinedConnection:
    """One Redis connection shared by every caller, commands pipelined on it: for a few small, hot commands.

    redis-py spends more on each command than the command costs: a pooled connection taken and
    given back under a lock, its observability hooks, its retry wrapper, the reply read through
    asyncio streams and parsed field by field. Here a command is one write of bytes packed once
    (`pack_command`) and a future; hiredis' reader turns what arrives into replies, and Redis
    answers in the order it was written to, so each reply belongs to the oldest command waiting.

    Failures read as redis-py's (callers map them with `unavailable_as_one_error`): a reply not
    back within the socket timeout closes the connection and fails every command in flight with
    TimeoutError; a dropped connection fails them with ConnectionError; an error reply raises
    ResponseError. There is no retry: the next command connects again (a connection Redis closed
    while idle is seen closed before anything is written on it, so that case costs nothing).

    Only a plain TCP client's settings (`supports`) are used: host, port, db, credentials, name
    and timeouts. Close it with `aclose`.
    """

    def __init__(self, redis: aioredis.Redis) -> None:
        options = redis.connection_pool.connection_kwargs
        self._host: str = options.get("host", "localhost")
        self._port = int(options.get("port", 6379))
        self._connect_timeout: float = options.get("socket_connect_timeout") or CONNECT_TIMEOUT_SECONDS
        self._timeout: float = options.get("socket_timeout") or READ_TIMEOUT_SECONDS
        self._handshake: list[bytes] = []
        if options.get("password"):
            credentials = [options["username"]] if options.get("username") else []
            self._handshake.append(pack_command("AUTH", *credentials, options["password"]))
        if int(options.get("db") or 0):
            self._handshake.append(pack_command("SELECT", int(options["db"])))
        if options.get("client_name"):
            self._handshake.append(pack_command("CLIENT", "SETNAME", options["client_name"]))
        self._protocol: _ReplyProtocol | None = None
        self._connecting = asyncio.Lock()

    @staticmethod
    def supports(redis: aioredis.Redis) -> bool:
        """Whether `redis` connects over plain TCP (not TLS, not a Unix socket), which is all this speaks."""
        pool = redis.connection_pool
        return pool.connection_class is _Connection and not pool.connection_kwargs.get("credential_provider")

    async def execute(self, packed: bytes) -> Any:
        """The reply to one packed command (bytes as Redis sent them, never decoded)."""
        protocol = self._protocol
        if protocol is None or protocol.closed:
            protocol = await self._connect()
        reply = await protocol.request(packed)
        if isinstance(reply, hiredis.ReplyError):
            raise ResponseError(str(reply))
        return reply

    async def execute_all(self, commands: Sequence[bytes]) -> list[Any]:
        """The replies to several packed commands, written in one write; error replies are returned as they come.

        The reply timeout runs on the last reply (Redis answers in order: once it is back, all are).
        """
        protocol = self._protocol
        if protocol is None or protocol.closed:
            protocol = await self._connect()
        return await protocol.request_all(commands)

    def send(self, packed: bytes) -> asyncio.Future[Any] | None:
        """Writes one packed command now and returns the future of its reply, without waiting for it.

        None when the connection is not open: connecting takes a wait (`execute` does it). An error
        reply is the future's result (a hiredis.ReplyError), as it comes. The command has no timer
        of its own: replies come in order, so one that never comes fails with the first later
        command that times out, or with the connection when it is lost or closed.
        """
        protocol = self._protocol
        if protocol is None or protocol.closed:
            return None
        return protocol.send(packed)

    async def aclose(self) -> None:
        """Closes the connection (commands in flight fail with ConnectionError)."""
        if self._protocol is not None:
            self._protocol.close(RedisConnectionError("Connection closed by the client."))
            self._protocol = None

    async def _connect(self) -> _ReplyProtocol:
        async with self._connecting:
            if self._protocol is not None and not self._protocol.closed:
                return self._protocol
            loop = asyncio.get_running_loop()
            try:
                async with asyncio.timeout(self._connect_timeout):
                    _, protocol = await loop.create_connection(
                        lambda: _ReplyProtocol(reply_timeout=self._timeout), self._host, self._port
                    )
            except TimeoutError:
                raise RedisTimeoutError(f"Timeout connecting to {self._host}:{self._port}.") from None
            except OSError as e:
                raise RedisConnectionError(f"Error connecting to {self._host}:{self._port}. {e}.") from e
            try:
                for command in self._handshake:
                    reply = await protocol.request(command)
                    if isinstance(reply, hiredis.ReplyError):
                        raise RedisConnectionError(f"Redis refused the connection's setup: {reply}")
            except BaseException:
                protocol.close(RedisConnectionError("Connection setup failed."))
                raise
            self._protocol = protocol
            return protocol


def pack_command(*args: str | bytes | int) -> bytes:
    """A command in the Redis protocol (RESP), ready to write: text as UTF-8, numbers in decimal."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%b\r\n" % (len(data), data))
    return b"".join(parts)


class _ReplyProtocol(asyncio.Protocol):
    """The socket of a `PipelinedConnection`: writes commands, hands each reply to the oldest waiting future."""

    def __init__(self, *, reply_timeout: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._reply_timeout = reply_timeout
        self._reader = hiredis.Reader()
        self._waiting: collections.deque[asyncio.Future[Any]] = collections.deque()
        self._transport: asyncio.Transport | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keeps the transport to write commands on."""
        self._transport = cast(asyncio.Transport, transport)

    async def request(self, packed: bytes) -> Any:
        """Writes one command and waits for its reply; no reply within the reply timeout closes the connection."""
        if self.closed or self._transport is None:
            raise RedisConnectionError("Connection closed by server.")
        reply = self._loop.create_future()
        self._waiting.append(reply)
        self._transport.write(packed)
        expiry = self._loop.call_later(self._reply_timeout, self._expire, reply)
        try:
            return await reply
        finally:
            expiry.cancel()

    async def request_all(self, commands: Sequence[bytes]) -> list[Any]:
        """Writes the commands at once and waits for all their replies (`PipelinedConnection.execute_all`)."""
        if self.closed or self._transport is None:
            raise RedisConnectionError("Connection closed by server.")
        replies = [self._loop.create_future() for _ in commands]
        self._waiting.extend(replies)
        self._transport.write(b"".join(commands))
        last = replies[-1]
        expiry = self._loop.call_later(self._reply_timeout, self._expire, last)
        try:
            await last
        except BaseException:
            for reply in replies:
                if not reply.done():
                    reply.cancel()  # its reply, when it comes, is dropped in turn
                elif not reply.cancelled():
                    reply.exception()  # seen here: asyncio must not report it as never retrieved
            raise
        finally:
            expiry.cancel()
        return [reply.result() for reply in replies]

    def send(self, packed: bytes) -> asyncio.Future[Any]:
        """Writes one command; the future of its reply (see `PipelinedConnection.send`)."""
        reply = self._loop.create_future()
        self._waiting.append(reply)
        assert self._transport is not None  # set before the protocol is handed out
        self._transport.write(packed)
        return reply

    def data_received(self, data: bytes) -> None:
        """Resolves the oldest waiting commands with the complete replies in `data`."""
        self._reader.feed(data)
        try:
            reply = self._reader.gets()
            while reply is not False:
                waiting = self._waiting.popleft()
                if not waiting.done():  # its caller was cancelled: the reply is dropped
                    waiting.set_result(reply)
                reply = self._reader.gets()
        except (hiredis.ProtocolError, IndexError) as e:
            # Unreadable bytes, or a reply nobody asked for: nothing after it can be matched.
            self.close(RedisConnectionError(f"Protocol error: {e!r}"))

    def connection_lost(self, exc: Exception | None) -> None:
        """Fails the commands still waiting."""
        self._fail(RedisConnectionError("Connection closed by server."))

    def close(self, error: Exception) -> None:
        """Fails the commands still waiting with `error` and drops the connection."""
        self._fail(error)
        if self._transport is not None:
            self._transport.abort()

    def _expire(self, reply: asyncio.Future[Any]) -> None:
        if not reply.done():
            self.close(RedisTimeoutError("Timeout reading from socket"))

    def _fail(self, error: Exception) -> None:
        self.closed = True
        while self._waiting:
            waiting = self._waiting.popleft()
            if not waiting.done():
                waiting.set_exception(error)

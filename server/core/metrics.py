"""Prometheus metrics of one server process, served over HTTP at `/metrics`.

Every metric lives in the `Metrics` object's own CollectorRegistry (no global registry), so that
several apps in one process (tests, replicas side by side) never mix their figures. Labels are
bounded: method names come from the registered services, never from the request, and no label
ever carries a user id, an email or an address.

How other domains count (the `Metrics` object is `app.resources.metrics`; pass it down):

    metrics.cache_hits.labels(cache="article").inc()          # a read served from a cache
    metrics.cache_misses.labels(cache="article").inc()        # a read that went to PostgreSQL
    metrics.chat_deliveries.labels(transport="stream").inc()  # one message written to one stream
    metrics.ticket_watch_deliveries.labels(kind="updated").inc()  # one ticket change to one stream
    metrics.view_count_flushes.inc()                          # one batch of view counts flushed
    metrics.view_count_flushed_views.inc(n)                   # ... carrying n views
    metrics.redis_errors.labels(component="chat").inc()       # Redis failed (fallback taken)
    metrics.sla_breaches.labels(target="resolution").inc()    # a ticket passed an SLA due time (once)

Label values are short fixed words chosen by the code (`cache`: article, search, principal...;
`transport`: stream, converse; `component`: the feature that saw the error).
"""

from __future__ import annotations

import logging
import threading
import time
from bisect import bisect_left
from collections.abc import Iterator
from itertools import accumulate
from wsgiref.simple_server import WSGIServer

import prometheus_client.metrics
from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine

_log = logging.getLogger(__name__)

# Unary RPCs take milliseconds; bcrypt-bound sign-ins a few hundred; streams land in +Inf.
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# The `le` labels as prometheus_client writes them (Go's float formatting: these bounds print as repr).
_BUCKET_LABELS = (*(repr(bound) for bound in DURATION_BUCKETS), "+Inf")


class Metrics:
    """Every metric of one server process, registered in its own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        # helpdesk_rpc_requests and helpdesk_rpc_duration_seconds, counted once for both.
        self.rpc_calls = RpcCalls()
        registry.register(self.rpc_calls)
        # Counted by the interceptor as a plain number, read when Prometheus scrapes: a Gauge's
        # inc/dec take a lock each, twice per call, for a figure nobody reads between scrapes.
        self.rpcs_in_flight = 0
        self.rpc_in_flight = Gauge(
            "helpdesk_rpc_in_flight_requests", "RPCs currently being handled (streams included).", registry=registry
        )
        self.rpc_in_flight.set_function(lambda: self.rpcs_in_flight)
        self.open_streams = Gauge(
            "helpdesk_rpc_open_streams", "Streaming RPCs currently open, by method.", ["method"], registry=registry
        )
        self.rate_limit_rejections = Counter(
            "helpdesk_rate_limit_rejections",
            "Calls refused by the general rate limiter, by budget (default, login...) and scope (ip, user).",
            ["budget", "scope"],
            registry=registry,
        )
        self.login_failures = Counter(
            "helpdesk_login_failures",
            "Failed sign-ins, by reason (invalid_credentials, rate_limited).",
            ["reason"],
            registry=registry,
        )
        self.redis_errors = Counter(
            "helpdesk_redis_errors",
            "Redis operations that failed, by the component that saw the failure.",
            ["component"],
            registry=registry,
        )
        self.cache_hits = Counter(
            "helpdesk_cache_hits",
            "Reads answered from a cache (Redis, or the process's own), by cache.",
            ["cache"],
            registry=registry,
        )
        self.cache_misses = Counter(
            "helpdesk_cache_misses",
            "Reads a cache (Redis, or the process's own) could not answer, by cache.",
            ["cache"],
            registry=registry,
        )
        self.chat_deliveries = Counter(
            "helpdesk_chat_deliveries",
            "Chat messages written to a client's open stream, by transport (stream, converse).",
            ["transport"],
            registry=registry,
        )
        self.ticket_watch_deliveries = Counter(
            "helpdesk_ticket_watch_deliveries",
            "Ticket changes written to a client's open WatchTickets stream, by kind (created, updated, ...).",
            ["kind"],
            registry=registry,
        )
        self.ticket_feed_changes = Counter(
            "helpdesk_ticket_feed_changes",
            "Ticket changes read from the change log by this process's feed (once for all its streams).",
            registry=registry,
        )
        self.sla_breaches = Counter(
            "helpdesk_sla_breaches",
            "Tickets that passed an SLA due time, by target (first_response, resolution); once across replicas.",
            ["target"],
            registry=registry,
        )
        self.sla_warnings = Counter(
            "helpdesk_sla_warnings",
            "Tickets that entered an SLA warning window, by target (first_response, resolution).",
            ["target"],
            registry=registry,
        )
        self.view_count_flushes = Counter(
            "helpdesk_view_count_flush_batches",
            "Batches of article view counts flushed from Redis to PostgreSQL.",
            registry=registry,
        )
        self.view_count_flushed_views = Counter(
            "helpdesk_view_count_flushed_views", "Article views carried by those batches.", registry=registry
        )

    def watch_database_pool(self, engine: AsyncEngine) -> None:
        """Reports the engine's connection pool (in use, idle, waiting) at every scrape."""
        self.registry.register(_DatabasePoolCollector(engine))


class RpcSeries:
    """The finished calls of one method with one status: a duration histogram's figures, as plain numbers.

    A prometheus_client Counter and Histogram child cost a lock, checks and a linear bucket search
    per call (an eighth of a bare call, every call). The interceptor counts here instead, on the
    event loop's thread alone, and the figures are read when Prometheus scrapes.
    """

    __slots__ = ("buckets", "created", "seconds")

    def __init__(self) -> None:
        # Calls by the first bucket bound their duration does not exceed (the last: +Inf).
        self.buckets = [0] * (len(DURATION_BUCKETS) + 1)
        self.seconds = 0.0
        self.created = time.time()

    def observe(self, seconds: float) -> None:
        """Counts one call that took `seconds`."""
        self.buckets[bisect_left(DURATION_BUCKETS, seconds)] += 1
        self.seconds += seconds


class RpcCalls(Collector):
    """`helpdesk_rpc_requests` (counter) and `helpdesk_rpc_duration_seconds` (histogram) by method and code.

    Exposed exactly as a Counter and a Histogram with labels `method` and `code` and the buckets
    above would be (the same samples, `_created` included), from `RpcSeries` counted per call.
    """

    def __init__(self) -> None:
        self._series: dict[tuple[str, str], RpcSeries] = {}

    def series(self, method: str, code: str) -> RpcSeries:
        """The figures of `method` ending with status `code` (created on first use)."""
        series = self._series.get((method, code))
        if series is None:
            series = self._series[(method, code)] = RpcSeries()
        return series

    def describe(self) -> Iterator[Metric]:
        """The two families, without samples (for the registry's name checks)."""
        return iter(self._families())

    def collect(self) -> Iterator[Metric]:
        """Every series' count, buckets, sum and creation time."""
        requests, durations = self._families()
        created = prometheus_client.metrics._use_created
        # Read from this thread while the event loop counts: copies, each in one step.
        for (method, code), series in list(self._series.items()):
            counts = list(series.buckets)
            seconds = series.seconds
            cumulative = list(accumulate(counts))
            requests.add_metric([method, code], float(cumulative[-1]), created=series.created if created else None)
            durations.add_metric(
                [method, code],
                [(bound, float(count)) for bound, count in zip(_BUCKET_LABELS, cumulative, strict=True)],
                seconds,
            )
            if created:
                durations.add_sample(
                    "helpdesk_rpc_duration_seconds_created", {"method": method, "code": code}, series.created
                )
        return iter((requests, durations))

    @staticmethod
    def _families() -> tuple[CounterMetricFamily, HistogramMetricFamily]:
        return (
            CounterMetricFamily(
                "helpdesk_rpc_requests",
                "RPCs handled, by method and final status code (streams count once, when they end).",
                labels=["method", "code"],
            ),
            HistogramMetricFamily(
                "helpdesk_rpc_duration_seconds",
                "Time from the start of an RPC to its status, by method and status code.",
                labels=["method", "code"],
            ),
        )


class _DatabasePoolCollector(Collector):
    """Reads the SQLAlchemy pool's figures when Prometheus scrapes (nothing to keep up to date)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The pool's connections in use, idle, and callers waiting for one."""
        pool = self._engine.pool
        in_use = _pool_figure(pool, "checkedout")
        idle = _pool_figure(pool, "checkedin")
        yield GaugeMetricFamily("helpdesk_db_pool_connections_in_use", "Pooled connections checked out.", in_use)
        yield GaugeMetricFamily("helpdesk_db_pool_connections_idle", "Pooled connections open and idle.", idle)
        yield GaugeMetricFamily(
            "helpdesk_db_pool_waiting", "Callers waiting for a pooled connection.", _pool_waiters(pool)
        )


def _pool_figure(pool: object, name: str) -> int:
    figure = getattr(pool, name, None)
    return int(figure()) if callable(figure) else 0


def _pool_waiters(pool: object) -> int:
    # SQLAlchemy's async queue pool keeps an asyncio.Queue; its waiting getters are the callers
    # blocked on an exhausted pool. Private attributes: read defensively, 0 when absent.
    queue = getattr(getattr(pool, "_pool", None), "__dict__", {}).get("_queue")
    getters = getattr(queue, "_getters", None)
    return sum(1 for getter in getters if not getter.done()) if getters is not None else 0


class MetricsServer:
    """The `/metrics` HTTP endpoint of one process, on a daemon thread."""

    def __init__(self, httpd: WSGIServer, thread: threading.Thread) -> None:
        self._httpd = httpd
        self._thread = thread
        self.port: int = httpd.server_port

    @classmethod
    def start(cls, metrics: Metrics, *, host: str, port: int) -> MetricsServer:
        """Listens on `host:port` (0: any free port) and serves the registry's figures."""
        httpd, thread = start_http_server(port, addr=host, registry=metrics.registry)
        server = cls(httpd, thread)
        _log.info("serving metrics on http://%s:%d/metrics", host, server.port)
        return server

    def stop(self) -> None:
        """Stops serving and closes the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

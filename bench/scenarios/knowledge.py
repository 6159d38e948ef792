"""KnowledgeService scenarios: SearchArticles over a bulk-seeded knowledge base, cold and warm.

The knowledge base and its queries are `bench/scenarios/knowledge_seed.py`'s.

- `SearchArticlesWarm`: anonymous searches over a fixed set of 16 queries: after the first
  round every call is a Redis hit (the page cache, 1 h TTL).
- `SearchArticlesCold`: every call misses the cache by construction (the query carries a unique
  `-exclusion` of a word that exists nowhere, which changes the cache key, not the results), so
  each call runs the full PostgreSQL search over ~5,000 matches. Run the server with the cache
  off to measure PostgreSQL alone, with no cache write: `--server-env
  HELPDESK_KNOWLEDGE_CACHE_ENABLED=false`.
- `SearchArticlesColdRare`: the same with rare words (~10 matches each).

The EXPLAIN (ANALYZE, BUFFERS) of a common and a rare search, exactly as served (PostgreSQL's
auto_explain, `bench/auto_explain.py`), goes to `bench/results/knowledge-explain-<N>.txt`.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import grpc

from bench.auto_explain import served_plans
from bench.profile import LoadProfile
from bench.results_dir import write_note
from bench.scenarios.base import CallFn, Target
from bench.scenarios.echo import ECHO_POSTGRES, ECHO_REDIS
from bench.scenarios.knowledge_seed import (
    ARTICLES_ENV,
    DEFAULT_ARTICLES,
    QUERIES,
    RARE_QUERIES,
    seed_articles,
)
from bench.stack import DATABASE_URL_ENV, POSTGRES_LOG_ENV
from helpdesk.v1 import knowledge_service_pb2, knowledge_service_pb2_grpc

_log = logging.getLogger(__name__)

# The load: 50 concurrent clients.
KNOWLEDGE_PROFILE = LoadProfile(concurrency=50, channels=5, warmup_s=2.0, duration_s=10.0, call_timeout_s=10.0)


async def explain_served_searches(channel: grpc.aio.Channel, queries: Sequence[str]) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of SearchArticles as the server runs them: PostgreSQL's auto_explain log.

    Each query carries a unique `-exclusion` (as the cold scenarios do), so the page cache never
    answers in PostgreSQL's place.
    """
    database_url, log_path = os.environ.get(DATABASE_URL_ENV), os.environ.get(POSTGRES_LOG_ENV)
    if not database_url or not log_path:
        raise RuntimeError(f"{DATABASE_URL_ENV}/{POSTGRES_LOG_ENV} not set: run through `python -m bench`")
    stub = knowledge_service_pb2_grpc.KnowledgeServiceStub(channel)
    report: list[str] = []
    for query in queries:
        served = f"{query} -zqexplain{uuid.uuid4().hex[:8]}"
        request = knowledge_service_pb2.SearchArticlesRequest(query=served, page_size=10)
        plans = await served_plans(
            database_url, Path(log_path), during=functools.partial(stub.SearchArticles, request), mentioning="tsquery"
        )
        report.append(f"-- SearchArticles first page, query {served!r}: {len(plans)} statement(s)")
        for plan in plans:
            report += [*plan, ""]
    return report


def _article_count() -> int:
    return int(os.environ.get(ARTICLES_ENV, DEFAULT_ARTICLES))


async def _prepare(channel: grpc.aio.Channel) -> None:
    url = os.environ.get(DATABASE_URL_ENV)
    if not url:
        raise RuntimeError(f"{DATABASE_URL_ENV} is not set: run through `python -m bench` (bench/stack.py)")
    count = _article_count()
    await seed_articles(url, articles=count)
    plan = await explain_served_searches(channel, (QUERIES[1], RARE_QUERIES[0]))
    write_note(f"knowledge-explain-{count}.txt", "\n".join(plan) + "\n")


def _search_calls(
    channels: Sequence[grpc.aio.Channel],
    callers: range,
    call_timeout_s: float,
    query_for: Callable[[int], str],
) -> list[CallFn]:
    stubs = [knowledge_service_pb2_grpc.KnowledgeServiceStub(channel) for channel in channels]

    def call(caller: int) -> Awaitable[object]:
        request = knowledge_service_pb2.SearchArticlesRequest(query=query_for(caller), page_size=10)
        return stubs[caller % len(stubs)].SearchArticles(request, timeout=call_timeout_s)

    return [functools.partial(call, caller) for caller in callers]


class SearchArticlesWarmScenario:
    """Anonymous SearchArticles over 16 fixed queries: served from the Redis page cache."""

    name = "SearchArticlesWarm"
    target = Target.HELPDESK
    profile = KNOWLEDGE_PROFILE
    floor = ECHO_REDIS

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Seeds the articles (once); caller i cycles through the queries from offset i."""
        await _prepare(channels[0])
        counters = {caller: itertools.count(caller) for caller in callers}
        return _search_calls(channels, callers, call_timeout_s, lambda c: QUERIES[next(counters[c]) % len(QUERIES)])


def _cold_calls(
    channels: Sequence[grpc.aio.Channel], callers: range, call_timeout_s: float, queries: Sequence[str]
) -> list[CallFn]:
    sequence = itertools.count()

    def query_for(caller: int) -> str:
        n = next(sequence)
        return f"{queries[(caller + n) % len(queries)]} -zqx{caller}n{n}"

    return _search_calls(channels, callers, call_timeout_s, query_for)


class SearchArticlesColdScenario:
    """Anonymous SearchArticles that always misses the cache: the full PostgreSQL search every call."""

    name = "SearchArticlesCold"
    target = Target.HELPDESK
    profile = KNOWLEDGE_PROFILE
    floor = ECHO_POSTGRES

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Seeds the articles (once); every call gets a query no earlier call used."""
        await _prepare(channels[0])
        return _cold_calls(channels, callers, call_timeout_s, QUERIES)


class SearchArticlesColdRareScenario:
    """As `SearchArticlesCold`, with words found in ~10 articles each instead of ~5% of them."""

    name = "SearchArticlesColdRare"
    target = Target.HELPDESK
    profile = KNOWLEDGE_PROFILE
    floor = ECHO_POSTGRES

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Seeds the articles (once); every call gets a query no earlier call used."""
        await _prepare(channels[0])
        return _cold_calls(channels, callers, call_timeout_s, RARE_QUERIES)

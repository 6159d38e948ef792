"""KnowledgeService scenarios: SearchArticles over a bulk-seeded knowledge base, cold and warm.

Seeding goes straight into PostgreSQL, not through the API: `HELPDESK_BENCH_ARTICLES` articles
(default 100k), 90% published, generated in Python and sent with COPY over three connections (the
stored search vectors, two stemmers over every body, are most of the cost and PostgreSQL computes
them in the backend running each COPY). The GIN indexes are dropped for a bulk load and rebuilt
from their catalog definitions at the end, then the table is ANALYZEd. Each article is Portuguese
or English, on one of 20 topics (six words each): ~30 sentences drawn from its topic's pool of
400 (common words, topic words and a Zipf-distributed long tail of ~50k pseudo-words), in
paragraphs, 200-350 words, plus one sentence of article-specific rare words. A topic word
therefore matches about 5% of the articles, a rare word about ten. It runs once per database
under an advisory lock and resumes by chunk.

- `SearchArticlesWarm`: anonymous searches over a fixed set of 16 queries: after the first
  round every call is a Redis hit (the page cache, 1 h TTL).
- `SearchArticlesCold`: every call misses the cache by construction (the query carries a unique
  `-exclusion` of a word that exists nowhere, which changes the cache key, not the results), so
  each call runs the full PostgreSQL search over ~5,000 matches. Run the server with the cache
  off to measure PostgreSQL alone, with no cache write: `--server-env
  HELPDESK_KNOWLEDGE_CACHE_ENABLED=false`.
- `SearchArticlesColdRare`: the same with rare words (~10 matches each).

The seeding time goes to `bench/results/knowledge-seed-<N>.txt`; the EXPLAIN (ANALYZE, BUFFERS)
of a common and a rare search, exactly as served, to `bench/results/knowledge-explain-<N>.txt`.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bench.profile import LoadProfile
from bench.scenarios.base import CallFn, Target
from bench.stack import DATABASE_URL_ENV, POSTGRES_LOG_ENV
from helpdesk.v1 import knowledge_service_pb2, knowledge_service_pb2_grpc

_log = logging.getLogger(__name__)

ARTICLES_ENV = "HELPDESK_BENCH_ARTICLES"
DEFAULT_ARTICLES = 100_000
_CHUNK = 5_000
# One COPY per core, plus one: on a shared machine the seeding gets its share of the CPU.
_SEED_WORKERS = 3
_SEED_LOCK = 4_212_004
_AUTHOR_EMAIL = "bench-kb-author@bench.example.com"
_RESULTS_DIR = Path(__file__).resolve().parent.parent / "results"

# The load: 50 concurrent clients.
KNOWLEDGE_PROFILE = LoadProfile(concurrency=50, channels=5, warmup_s=2.0, duration_s=10.0, call_timeout_s=10.0)

QUERIES = (
    "senha",
    "redefinir senha",
    "password reset",
    "configuracao notificacao",
    "pagamento boleto",
    "invoice",
    "cancelar assinatura",
    "export data",
    '"two-factor" code',
    "webhook api",
    "aplicativo celular",
    "team permission",
    "segurança sessão",
    "billing refund",
    "relatório csv",
    "suporte chat",
)

_TOPICS = (
    ("senha", "redefinir", "login", "acesso", "esqueci", "conta"),
    ("password", "reset", "sign-in", "forgot", "account", "link"),
    ("pagamento", "boleto", "pix", "cartão", "fatura", "cobrança"),
    ("payment", "invoice", "card", "billing", "refund", "charge"),
    ("configuração", "notificação", "e-mail", "alerta", "preferências", "aviso"),
    ("settings", "notification", "email", "alert", "preferences", "digest"),
    ("assinatura", "plano", "cancelar", "renovação", "upgrade", "período"),
    ("subscription", "plan", "cancel", "renewal", "downgrade", "trial"),
    ("exportação", "dados", "relatório", "planilha", "csv", "backup"),
    ("export", "data", "report", "spreadsheet", "csv", "archive"),
    ("segurança", "autenticação", "código", "verificação", "dispositivo", "sessão"),
    ("security", "two-factor", "code", "verification", "device", "session"),
    ("integração", "api", "webhook", "chave", "token", "aplicativo"),
    ("integration", "api", "webhook", "key", "token", "app"),
    ("equipe", "usuário", "permissão", "convite", "administrador", "papel"),
    ("team", "user", "permission", "invite", "admin", "role"),
    ("celular", "aplicativo", "android", "iphone", "instalar", "atualização"),
    ("mobile", "app", "android", "iphone", "install", "update"),
    ("chamado", "atendimento", "suporte", "chat", "resposta", "prazo"),
    ("ticket", "support", "agent", "chat", "reply", "response"),
)
# Everyday words of each language (stop words included, as in real text), by topic language.
_COMMON_PT = (
    *("como", "para", "você", "sua", "seu", "com", "que", "uma", "quando", "depois", "antes", "clique"),
    *("abra", "página", "não", "mais", "em", "no", "na", "de", "do", "da", "o", "a", "e", "os", "se"),
    *("pode", "tela", "menu", "botão", "opção", "então", "ao", "é", "selecione", "confirme"),
)
_COMMON_EN = (
    *("how", "to", "the", "your", "with", "when", "after", "before", "click", "open", "page", "you"),
    *("can", "then", "this", "we", "not", "more", "in", "on", "of", "a", "and", "is", "if", "it"),
    *("screen", "menu", "button", "option", "select", "confirm"),
)
_TITLE_VERBS = (("Como resolver", "e"), ("How to fix", "and"))
_SYLLABLES = (
    *("ba", "be", "ca", "co", "da", "de", "fa", "fi", "ga", "go", "la", "li", "ma", "me", "na", "no", "pa"),
    *("pe", "ra", "re", "sa", "se", "ta", "te", "va", "vi", "tra", "pro", "con", "men", "ção", "dor", "ter"),
    *("ble", "ing", "tion"),
)
_CATEGORIES = ("conta", "cobranca", "billing", "account", "support", "seguranca", "integracoes", "mobile")
_COLUMNS = (
    "slug",
    "title",
    "body",
    "category",
    "tags",
    "state",
    "author_id",
    "publish_time",
    "view_count",
    "helpful_count",
)
# Sentences per topic: an article picks ~30 of its topic's 400, so bodies differ from each other
# while a topic's vocabulary (and so the match rate of a topic word, ~5%) stays realistic.
_SENTENCES_PER_TOPIC = 400
_SEED = 20261125


def _pseudo_words(rng: random.Random) -> list[str]:
    # Every three-syllable combination (~47k): the long tail of product names, error codes, jargon.
    words = ["".join(parts) for parts in itertools.product(_SYLLABLES, repeat=3)]
    rng.shuffle(words)
    return words


# Pseudo-words at the far end of the long tail: almost only in the one rare-word sentence each
# article has, so each matches ~10 articles (a product name, an error code).
RARE_QUERIES = tuple(_pseudo_words(random.Random(_SEED))[-16:])


class _ArticleText:
    """Deterministic Portuguese / English help-article text built from per-topic sentence pools."""

    def __init__(self) -> None:
        rng = random.Random(_SEED)
        self.rare = _pseudo_words(rng)
        # Zipf-like weights: a few pseudo-words are frequent, most are rare.
        tail_weights = list(itertools.accumulate(1.0 / (rank + 20) for rank in range(len(self.rare))))
        self.pools: list[list[str]] = []
        for index, topic in enumerate(_TOPICS):
            common = _COMMON_PT if index % 2 == 0 else _COMMON_EN
            pool = []
            for _ in range(_SENTENCES_PER_TOPIC):
                length = rng.randint(6, 14)
                n_topic = max(1, round(length * 0.2))
                n_tail = round(length * 0.35)
                words = [
                    *rng.choices(common, k=length - n_topic - n_tail),
                    *rng.choices(topic, k=n_topic),
                    *rng.choices(self.rare, cum_weights=tail_weights, k=n_tail),
                ]
                rng.shuffle(words)
                pool.append(" ".join(words).capitalize() + ".")
            self.pools.append(pool)

    def article(self, i: int) -> tuple[object, ...]:
        """The COPY row of bench article `i` (1-based); 10% are drafts."""
        rng = random.Random(_SEED + i)
        topic_index = i % len(_TOPICS)
        topic = _TOPICS[topic_index]
        verb, conjunction = _TITLE_VERBS[topic_index % 2]
        # 200-350 words: 20-31 sentences of 6-14 words, in paragraphs of 3-6 sentences, plus one
        # sentence of article-specific rare words (what a rare-term search finds: ~10 articles).
        sentences = rng.choices(self.pools[topic_index], k=20 + i % 12)
        sentences.append(" ".join(rng.choices(self.rare, k=5)).capitalize() + ".")
        paragraphs = []
        start = 0
        while start < len(sentences):
            step = rng.randint(3, 6)
            paragraphs.append(" ".join(sentences[start : start + step]))
            start += step
        title = f"{verb} {topic[i % 6]} {conjunction} {topic[(i // 7) % 6]}: {self.rare[i % len(self.rare)]}"
        draft = (i // 20) % 10 == 3
        return (
            f"bench-{i}",
            title,
            "\n\n".join(paragraphs),
            _CATEGORIES[(i // 20) % len(_CATEGORIES)],
            [topic[i % 6], topic[(i + 2) % 6]],
            "draft" if draft else "published",
            None,  # the author, filled in by the caller
            None if draft else _PUBLISHED_AT,
            (i * 7919) % 1000,
            (i * 31) % 40,
        )


_PUBLISHED_AT = datetime(2026, 1, 1, tzinfo=UTC)


async def _copy_chunk(engine: AsyncEngine, text_source: _ArticleText, author: uuid.UUID, first: int, last: int) -> None:
    rows = []
    for i in range(first, last + 1):
        row = list(text_source.article(i))
        row[6] = author
        rows.append(tuple(row))
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        # One transaction per chunk: the chunk is there entirely or not at all (a resumed seeding
        # skips the chunks already in).
        async with driver.transaction():
            await driver.copy_records_to_table("articles", records=rows, columns=list(_COLUMNS))


async def _gin_indexes(connection: AsyncConnection) -> list[tuple[str, str]]:
    rows = await connection.execute(
        text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'articles' AND indexdef LIKE '% gin %'")
    )
    return [(row[0], row[1]) for row in rows]


async def _seed(engine: AsyncEngine, connection: AsyncConnection, *, articles: int) -> float | None:
    """Adds the missing articles; the seconds it took, None if there was nothing to add."""
    began = time.monotonic()
    author = await connection.scalar(
        text(
            "INSERT INTO users (email, display_name, role, password_hash) "
            "VALUES (:email, 'KB Author', 'agent', 'not-a-hash') "
            "ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING id"
        ),
        {"email": _AUTHOR_EMAIL},
    )
    done_chunks = set(
        await connection.scalars(
            text("SELECT DISTINCT (substr(slug, 7)::integer - 1) / :chunk FROM articles WHERE slug ~ '^bench-[0-9]+$'"),
            {"chunk": _CHUNK},
        )
    )
    await connection.commit()
    chunks = [
        (first, min(first + _CHUNK - 1, articles))
        for first in range(1, articles + 1, _CHUNK)
        if (first - 1) // _CHUNK not in done_chunks
    ]
    if not chunks:
        return None
    # A bulk load builds the GIN indexes once at the end (several times faster than maintaining
    # them row by row); their definitions are read back from the catalog, so they stay exactly
    # what the migrations made. A small top-up keeps them.
    bulk = len(chunks) * _CHUNK >= 20_000
    gin = await _gin_indexes(connection) if bulk else []
    for name, _ in gin:
        await connection.execute(text(f'DROP INDEX "{name}"'))
    await connection.commit()
    text_source = _ArticleText()
    # The stored search vector (two stemmers over every body) is most of the cost: one COPY per
    # core keeps both busy.
    pending = iter(chunks)

    async def worker() -> None:
        for first, last in pending:
            await _copy_chunk(engine, text_source, author, first, last)
            _log.info("seeded articles %d-%d (%.0f s)", first, last, time.monotonic() - began)

    await asyncio.gather(*(worker() for _ in range(_SEED_WORKERS)))
    await connection.execute(text("SET maintenance_work_mem = '256MB'"))
    for _, definition in gin:
        await connection.execute(text(definition))
    await connection.commit()
    seconds = time.monotonic() - began
    _log.info("seeded %d articles in %.0f s", articles, seconds)
    return seconds


async def seed_articles(database_url: str, *, articles: int) -> None:
    """Seeds the knowledge base once (idempotent, serialised)."""
    engine = create_async_engine(database_url, pool_size=_SEED_WORKERS + 1)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _SEED_LOCK})
            await connection.commit()
            try:
                seeded_s = await _seed(engine, connection, articles=articles)
                if seeded_s is not None:
                    # Statistics for the planner. No VACUUM: the GIN indexes were just built (no
                    # pending list) and bitmap scans do not use the visibility map.
                    await connection.execute(text("ANALYZE articles"))
                    await connection.commit()
            finally:
                await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _SEED_LOCK})
                await connection.commit()
        if seeded_s is not None:
            _RESULTS_DIR.mkdir(exist_ok=True)
            (_RESULTS_DIR / f"knowledge-seed-{articles}.txt").write_text(
                f"seeded {articles} articles in {seeded_s:.1f} s (load average {os.getloadavg()[0]:.1f})\n"
            )
    finally:
        await engine.dispose()


# auto_explain's settings while the plans are logged (the library is preloaded, off, by bench/stack.py).
_AUTO_EXPLAIN = {
    "auto_explain.log_min_duration": "0",
    "auto_explain.log_analyze": "on",
    "auto_explain.log_buffers": "on",
    "auto_explain.log_timing": "on",
}


async def _set_auto_explain(database_url: str, *, on: bool) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for name, value in _AUTO_EXPLAIN.items():
                statement = f"ALTER SYSTEM SET {name} = '{value}'" if on else f"ALTER SYSTEM RESET {name}"
                await connection.execute(text(statement))
            await connection.execute(text("SELECT pg_reload_conf()"))
    finally:
        await engine.dispose()
    # Every backend, the server's pooled ones included, rereads the configuration before its next command.
    await asyncio.sleep(0.5)


def _read_from(path: Path, offset: int) -> str:
    with path.open(errors="replace") as log:
        log.seek(offset)
        return log.read()


def _logged_plans(log: str) -> list[list[str]]:
    """The plans auto_explain wrote to a PostgreSQL log: one list of lines (query text first) each."""
    plans: list[list[str]] = []
    current: list[str] | None = None
    for line in log.splitlines():
        if "LOG:  duration:" in line and line.rstrip().endswith("plan:"):
            current = [line.split("LOG:  ", 1)[1]]
            plans.append(current)
        elif current is not None and line.startswith("\t"):
            current.append(line[1:])
        else:
            current = None
    return plans


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
        start = await asyncio.to_thread(os.path.getsize, log_path)
        await _set_auto_explain(database_url, on=True)
        try:
            await stub.SearchArticles(knowledge_service_pb2.SearchArticlesRequest(query=served, page_size=10))
        finally:
            await _set_auto_explain(database_url, on=False)
        logged = await asyncio.to_thread(_read_from, Path(log_path), start)
        plans = [plan for plan in _logged_plans(logged) if any("tsquery" in line for line in plan)]
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
    _RESULTS_DIR.mkdir(exist_ok=True)
    (_RESULTS_DIR / f"knowledge-explain-{count}.txt").write_text("\n".join(plan) + "\n")


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

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Seeds the articles (once); every call gets a query no earlier call used."""
        await _prepare(channels[0])
        return _cold_calls(channels, callers, call_timeout_s, RARE_QUERIES)

"""KnowledgeService scenarios: SearchArticles over a bulk-seeded knowledge base, cold and warm.

Seeding goes straight into PostgreSQL (one INSERT ... SELECT generate_series per chunk), not
through the API: `HELPDESK_BENCH_ARTICLES` articles (default 100k), 90% published. Each article
has a topic (20 topics, Portuguese and English, six words each) and a body of 250-450 words:
common words, words of its topic and pseudo-words built from syllables (a long-tail vocabulary
of tens of thousands of terms), so a one-word topic query matches about 5% of the articles, as
in a real help centre, rather than all of them. It runs once per database under an advisory lock.

- `SearchArticlesWarm`: anonymous searches over a fixed set of 16 queries: after the first
  round every call is a Redis hit (the page cache, 1 h TTL).
- `SearchArticlesCold`: every call misses the cache by construction (the query carries a unique
  `-exclusion` of a word that exists nowhere, which changes the cache key, not the results), so
  each call runs the full PostgreSQL search: GIN match, ts_rank over the matches, ts_headline on
  the page. To measure PostgreSQL alone with no cache write at all, run the server with the cache
  off: `--server-env HELPDESK_KNOWLEDGE_CACHE_ENABLED=false`.

The EXPLAIN (ANALYZE) of one search is written to `bench/results/knowledge-explain-<N>.txt`.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import grpc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from bench.profile import LoadProfile
from bench.scenarios.base import CallFn, Target
from helpdesk.v1 import knowledge_service_pb2, knowledge_service_pb2_grpc

_log = logging.getLogger(__name__)

DATABASE_URL_ENV = "HELPDESK_BENCH_DATABASE_URL"
ARTICLES_ENV = "HELPDESK_BENCH_ARTICLES"
DEFAULT_ARTICLES = 100_000
_CHUNK = 5_000
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
_COMMON = (
    *("como", "para", "você", "sua", "seu", "com", "que", "uma", "quando", "depois", "antes", "clique"),
    *("abra", "página", "the", "your", "with", "when", "after", "before", "click", "open", "page", "you"),
    *("can", "then", "this", "we", "não", "mais"),
)
_SYLLABLES = (
    *("ba", "be", "ca", "co", "da", "de", "fa", "fi", "ga", "go", "la", "li", "ma", "me", "na", "no", "pa"),
    *("pe", "ra", "re", "sa", "se", "ta", "te", "va", "vi", "tra", "pro", "con", "men", "ção", "dor", "ter"),
    *("ble", "ing", "tion"),
)


def _array(values: Sequence[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"


def _insert_chunk_sql() -> str:
    topics = "ARRAY[" + ", ".join(_array(t) for t in _TOPICS) + "]"
    # Article i: topic i % 20; body words are 45% common, 20% topic, 35% pseudo-words.
    # Built from this module's constants only (no outside input), hence the S608 waiver.
    return f"""
        WITH t AS (SELECT {topics} AS topics, {_array(_COMMON)} AS f, {_array(_SYLLABLES)} AS s)
        INSERT INTO articles (slug, title, body, category, tags, state, author_id, publish_time,
                              view_count, helpful_count)
        SELECT 'bench-' || i,
               initcap(topics[1 + i % 20][1 + i % 6] || ' ' || topics[1 + i % 20][1 + (i / 7) % 6]) || ' ' || i,
               (SELECT string_agg(
                         CASE WHEN r < 0.45 THEN f[1 + floor(r2 * {len(_COMMON)})::int]
                              WHEN r < 0.65 THEN topics[1 + i % 20][1 + floor(r2 * 6)::int]
                              ELSE s[1 + floor(r2 * {len(_SYLLABLES)})::int]
                                || s[1 + floor(random() * {len(_SYLLABLES)})::int]
                                || s[1 + floor(random() ^ 2 * {len(_SYLLABLES)})::int] END, ' ')
                  FROM (SELECT random() AS r, random() AS r2 FROM generate_series(1, 250 + i % 200)) AS w),
               (ARRAY['conta', 'cobranca', 'billing', 'account', 'support', 'seguranca', 'integracoes',
                      'mobile'])[1 + (i / 20) % 8],
               ARRAY[topics[1 + i % 20][1 + i % 6], topics[1 + i % 20][1 + (i + 2) % 6]],
               CASE WHEN (i / 20) % 10 = 3 THEN 'draft' ELSE 'published' END,
               (SELECT id FROM users WHERE email = :author),
               CASE WHEN (i / 20) % 10 = 3 THEN NULL ELSE now() END,
               (i * 7919) % 1000,
               (i * 31) % 40
        FROM t, generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS i
        ON CONFLICT (slug) DO NOTHING
    """  # noqa: S608


async def _seed(connection: AsyncConnection, *, articles: int) -> None:
    began = time.monotonic()
    await connection.execute(
        text(
            "INSERT INTO users (email, display_name, role, password_hash) "
            "VALUES (:email, 'KB Author', 'agent', 'not-a-hash') ON CONFLICT DO NOTHING"
        ),
        {"email": _AUTHOR_EMAIL},
    )
    await connection.commit()
    existing = int(await connection.scalar(text("SELECT count(*) FROM articles WHERE slug LIKE 'bench-%'")) or 0)
    statement = text(_insert_chunk_sql())
    for first in range(existing + 1, articles + 1, _CHUNK):
        last = min(first + _CHUNK - 1, articles)
        await connection.execute(statement, {"author": _AUTHOR_EMAIL, "first": first, "last": last})
        await connection.commit()
        _log.info("seeded articles up to %d (%.0f s)", last, time.monotonic() - began)
    await connection.execute(text("ANALYZE articles"))
    await connection.commit()


async def seed_articles(database_url: str, *, articles: int) -> list[str]:
    """Seeds the knowledge base once (idempotent, serialised); returns the EXPLAIN ANALYZE of a search."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _SEED_LOCK})
            try:
                await _seed(connection, articles=articles)
            finally:
                await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _SEED_LOCK})
                await connection.commit()
            plan = await connection.execute(
                text(
                    "EXPLAIN (ANALYZE, BUFFERS) SELECT id FROM articles WHERE state = 'published' "
                    "AND search_vector @@ (websearch_to_tsquery('helpdesk_pt', helpdesk_fold(:q)) "
                    "|| websearch_to_tsquery('helpdesk_en', helpdesk_fold(:q)))"
                ),
                {"q": "redefinir senha"},
            )
            return [row[0] for row in plan]
    finally:
        await engine.dispose()


def _article_count() -> int:
    return int(os.environ.get(ARTICLES_ENV, DEFAULT_ARTICLES))


async def _prepare() -> None:
    url = os.environ.get(DATABASE_URL_ENV)
    if not url:
        raise RuntimeError(f"{DATABASE_URL_ENV} is not set: run through `python -m bench` (bench/stack.py)")
    count = _article_count()
    plan = await seed_articles(url, articles=count)
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
        await _prepare()
        counters = {caller: itertools.count(caller) for caller in callers}
        return _search_calls(channels, callers, call_timeout_s, lambda c: QUERIES[next(counters[c]) % len(QUERIES)])


class SearchArticlesColdScenario:
    """Anonymous SearchArticles that always misses the cache: the full PostgreSQL search every call."""

    name = "SearchArticlesCold"
    target = Target.HELPDESK
    profile = KNOWLEDGE_PROFILE

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Seeds the articles (once); every call gets a query no earlier call used."""
        await _prepare()
        sequence = itertools.count()

        def query_for(caller: int) -> str:
            n = next(sequence)
            return f"{QUERIES[(caller + n) % len(QUERIES)]} -zqx{caller}n{n}"

        return _search_calls(channels, callers, call_timeout_s, query_for)

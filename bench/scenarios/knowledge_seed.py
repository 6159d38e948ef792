"""The bench's knowledge base: generated articles bulk-loaded into PostgreSQL, and the queries that search it.

Seeding goes straight into PostgreSQL, not through the API: `HELPDESK_BENCH_ARTICLES` articles
(default 100k), 90% published, generated in Python and sent with COPY over three connections (the
stored search vectors, two stemmers over every body, are most of the cost and PostgreSQL computes
them in the backend running each COPY). The GIN indexes are dropped for a bulk load and rebuilt
from their catalog definitions at the end, then the table is ANALYZEd. Each article is Portuguese
or English, on one of 20 topics (six words each): ~30 sentences drawn from its topic's pool of
400 (common words, topic words and a Zipf-distributed long tail of ~50k pseudo-words), in
paragraphs, 200-350 words, plus one sentence of article-specific rare words. A topic word
therefore matches about 5% of the articles, a rare word about ten. It runs once per database
under an advisory lock and resumes by chunk; the seeding time goes to
`bench/results/knowledge-seed-<N>.txt` (`bench.results_dir`).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import random
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bench.results_dir import write_note

_log = logging.getLogger(__name__)

ARTICLES_ENV = "HELPDESK_BENCH_ARTICLES"
DEFAULT_ARTICLES = 100_000
_CHUNK = 5_000
# One COPY per core, plus one: on a shared machine the seeding gets its share of the CPU.
_SEED_WORKERS = 3
_SEED_LOCK = 4_212_004
_AUTHOR_EMAIL = "bench-kb-author@bench.example.com"


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
            write_note(
                f"knowledge-seed-{articles}.txt",
                f"seeded {articles} articles in {seeded_s:.1f} s (load average {os.getloadavg()[0]:.1f})\n",
            )
    finally:
        await engine.dispose()

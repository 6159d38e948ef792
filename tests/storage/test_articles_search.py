"""Full-text search over articles in PostgreSQL: Portuguese and English, accents, stemming, ranking."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.context import Role
from storage.db import Database
from storage.models import ArticleState
from storage.repositories.article_search import BODY_CANDIDATES, TITLE_CANDIDATES, explain_search, search_on

PUBLISHED = [ArticleState.PUBLISHED]

ARTICLES = {
    "senha": ("Como redefinir sua senha", "Abra a página de login e clique em Esqueci minha senha.", ["conta"]),
    "config": ("Configuração do e-mail", "Veja as configurações de notificação da sua conta.", ["email"]),
    "reset": ("Reset your password", "Open the sign-in page and follow the link we email you.", ["account"]),
    "invoice": ("Download an invoice", "Invoices are in Billing. Your password is never needed here.", ["billing"]),
    "redef": ("Redefinição de acesso", "Pedidos de redefinição são analisados pela equipe.", []),
    "pix": ("Pagamento por Pix", "O pagamento é confirmado em minutos.", ["pagamento", "pix"]),
}


@pytest.fixture(scope="module")
async def ids(database: Database) -> dict[str, uuid.UUID]:
    """The articles above, published, by key."""
    created: dict[str, uuid.UUID] = {}
    async with database.unit_of_work() as uow:
        author = await uow.users.add(
            email=f"author-{uuid.uuid4().hex[:8]}@example.com",
            display_name="Author",
            role=Role.AGENT,
            active=True,
            password_hash="x",
        )
        assert author is not None
        for key, (title, body, tags) in ARTICLES.items():
            article = await uow.articles.add(
                article_id=uuid.uuid4(),
                slug=f"{key}-{uuid.uuid4().hex[:6]}",
                title=title,
                body=body,
                category="geral",
                tags=tags,
                author_id=author.id,
            )
            assert article is not None
            await uow.articles.set_state(article_id=article.id, state=ArticleState.PUBLISHED)
            created[key] = article.id
    return created


async def _search(database: Database, query: str, **filters: object) -> list[uuid.UUID]:
    async with database.read_connection() as connection:
        hits = await search_on(connection, query=query, limit=20, offset=0, states=PUBLISHED, **filters)  # type: ignore[arg-type]
    return [hit.row["id"] for hit in hits]


@pytest.mark.parametrize("query", ["senha", "SENHA", "Senha", "sénha", "senhas"])
async def test_portuguese_word_finds_the_title_whatever_its_case_and_accents(
    database: Database, ids: dict[str, uuid.UUID], query: str
) -> None:
    assert ids["senha"] in await _search(database, query)


async def test_noun_matches_the_verb_redefinicao_redefinir(database: Database, ids: dict[str, uuid.UUID]) -> None:
    found = await _search(database, "redefinição")
    assert ids["senha"] in found  # "Como redefinir sua senha"
    assert ids["redef"] in found
    assert ids["redef"] in await _search(database, "redefinir")


@pytest.mark.parametrize("query", ["configuracao", "configuração", "CONFIGURACOES", "configurar"])
async def test_accents_are_folded_configuracao(database: Database, ids: dict[str, uuid.UUID], query: str) -> None:
    assert ids["config"] in await _search(database, query)


async def test_english_stemming(database: Database, ids: dict[str, uuid.UUID]) -> None:
    assert ids["reset"] in await _search(database, "passwords")
    assert ids["reset"] in await _search(database, "resetting")


async def test_a_title_hit_outranks_a_body_hit(database: Database, ids: dict[str, uuid.UUID]) -> None:
    found = await _search(database, "password")
    assert found[:2] == [ids["reset"], ids["invoice"]]


async def test_tags_are_searched(database: Database, ids: dict[str, uuid.UUID]) -> None:
    assert await _search(database, "billing") == [ids["invoice"]]


async def test_web_search_syntax(database: Database, ids: dict[str, uuid.UUID]) -> None:
    assert await _search(database, '"reset your password"') == [ids["reset"]]
    assert ids["invoice"] not in await _search(database, "password -invoice")
    assert set(await _search(database, "pix or invoice")) == {ids["pix"], ids["invoice"]}


@pytest.mark.parametrize("query", ["the", "o de a", "the and of", "a"])
async def test_stop_words_only_match_nothing(database: Database, ids: dict[str, uuid.UUID], query: str) -> None:
    assert await _search(database, query) == []


async def test_filters_by_category_and_tag(database: Database, ids: dict[str, uuid.UUID]) -> None:
    assert await _search(database, "pagamento", tag="pix") == [ids["pix"]]
    assert await _search(database, "pagamento", tag="billing") == []
    assert await _search(database, "pagamento", category="other") == []


async def test_only_the_requested_states_match(database: Database, ids: dict[str, uuid.UUID]) -> None:
    async with database.read_connection() as connection:
        hits = await search_on(connection, query="senha", limit=10, offset=0, states=[ArticleState.DRAFT])
    assert hits == []


async def test_headline_marks_the_matches_including_accented_words(
    database: Database, ids: dict[str, uuid.UUID]
) -> None:
    async with database.read_connection() as connection:
        hits = await search_on(connection, query="configuracao", limit=10, offset=0, states=PUBLISHED)
    headline = next(hit.headline.decode() for hit in hits if hit.row["id"] == ids["config"])
    assert "<mark>configurações</mark>" in headline


async def test_the_gin_index_serves_the_match(database: Database, ids: dict[str, uuid.UUID]) -> None:
    # With six rows any plan will do: two thousand published fillers (rolled back afterwards)
    # make the state index useless, and a table this small would still be read sequentially.
    async with database.engine.connect() as connection:
        transaction = await connection.begin()
        await connection.execute(
            text(
                "INSERT INTO articles (slug, title, body, state, publish_time, author_id) "
                "SELECT 'filler-' || i, 'Lorem ipsum ' || i, 'Dolor sit amet ' || i, 'published', now(), "
                "(SELECT author_id FROM articles LIMIT 1) FROM generate_series(1, 2000) AS i"
            )
        )
        # As autovacuum would: new rows sit in the GIN pending list, which every search scans.
        await connection.execute(text("SELECT gin_clean_pending_list('ix_articles_search_vectors')"))
        await connection.execute(text("ANALYZE articles"))
        await connection.execute(text("SET LOCAL enable_seqscan = off"))
        session = AsyncSession(bind=connection)
        plan = "\n".join(await explain_search(session, query="senha", analyze=True))
        await transaction.rollback()
    assert "Bitmap Index Scan on ix_articles_search_vectors" in plan
    # The page is chosen from the candidates first; snippets are made for its rows only.
    assert plan.index("Bitmap Index Scan on ix_articles_search_vectors") > plan.index("Limit")
    # The title tier's two conditions are keys of one scan of the index over both vectors, not
    # two bitmaps (every match, every title hit) built in full and then intersected.
    assert "BitmapAnd" not in plan
    assert any(
        "Index Cond: ((title_vector @@" in line and "AND (search_vector @@" in line for line in plan.splitlines()
    ), plan


async def test_the_look_ahead_row_comes_without_its_body(database: Database, ids: dict[str, uuid.UUID]) -> None:
    # "password": the title hit first, then the body-only hit, which is only the caller's look-ahead.
    async with database.read_connection() as connection:
        hits = await search_on(connection, query="password", limit=2, offset=0, states=PUBLISHED, headlines=1)
    assert [hit.row["id"] for hit in hits] == [ids["reset"], ids["invoice"]]
    assert hits[0].row["body"] == ARTICLES["reset"][1]
    assert hits[0].headline.startswith(b"Open the sign-in page")
    # Neither read from TOAST nor sent: the page ends before it.
    assert hits[1].row["body"] is None
    assert hits[1].headline == b""


async def test_headline_of_a_long_body_marks_a_match_far_from_its_start(
    database: Database, ids: dict[str, uuid.UUID]
) -> None:
    word = "zorbex" + uuid.uuid4().hex[:6]
    body = "Texto comum de enchimento. " * 80 + f"Digite o código {word} na tela." + " Mais texto." * 40
    async with database.unit_of_work() as uow:
        existing = await uow.articles.get(article_id=ids["pix"])
        assert existing is not None
        article = await uow.articles.add(
            article_id=uuid.uuid4(),
            slug=f"long-{word}",
            title="Um artigo longo",
            body=body,
            category="geral",
            tags=[],
            author_id=existing.article.author_id,
        )
        assert article is not None
        await uow.articles.set_state(article_id=article.id, state=ArticleState.PUBLISHED)
    async with database.read_connection() as connection:
        (hit,) = await search_on(connection, query=word, limit=10, offset=0, states=PUBLISHED)
    async with database.unit_of_work() as uow:
        await uow.articles.delete(article_id=article.id)
    assert f"<mark>{word}</mark>" in hit.headline.decode()
    assert len(hit.headline.decode()) < 600  # fragments around the match, not the whole body


async def test_a_title_hit_stored_after_hundreds_of_body_hits_still_comes_first(
    database: Database, ids: dict[str, uuid.UUID]
) -> None:
    # The ranked candidates are capped per tier in storage order: the title tier must find this
    # title even though more body-only matches than any cap were stored before it.
    word = "vortax" + uuid.uuid4().hex[:6]
    fillers = TITLE_CANDIDATES + BODY_CANDIDATES + 50
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO articles (slug, title, body, state, publish_time, author_id) "
                "SELECT :word || '-' || i, 'Filler ' || i, 'Mentions ' || :word || ' in passing, ' || i, "
                "'published', now(), (SELECT author_id FROM articles WHERE id = :author_of) "
                "FROM generate_series(1, :fillers) AS i"
            ),
            {"word": word, "fillers": fillers, "author_of": ids["pix"]},
        )
    async with database.unit_of_work() as uow:
        existing = await uow.articles.get(article_id=ids["pix"])
        assert existing is not None
        article = await uow.articles.add(
            article_id=uuid.uuid4(),
            slug=f"title-{word}",
            title=f"All about {word}",
            body="The one article about it.",
            category="geral",
            tags=[],
            author_id=existing.article.author_id,
        )
        assert article is not None
        await uow.articles.set_state(article_id=article.id, state=ArticleState.PUBLISHED)
    try:
        async with database.read_connection() as connection:
            first = await search_on(connection, query=word, limit=10, offset=0, states=PUBLISHED)
            deep = await search_on(connection, query=word, limit=50, offset=fillers - 50, states=PUBLISHED)
    finally:
        async with database.engine.begin() as connection:
            await connection.execute(text("DELETE FROM articles WHERE slug LIKE :prefix"), {"prefix": f"%{word}%"})
    assert first[0].row["id"] == article.id
    assert len(first) == 10
    assert deep == []  # past the candidates: the work per search is bounded

"""The demo seed step: a dozen articles (Portuguese and English, some drafts), created once."""

from __future__ import annotations

from server.core.context import Role
from server.knowledge.demo import DEMO_ARTICLES, DEMO_AUTHOR_EMAIL, seed_demo_articles
from storage.db import Database
from storage.models import ArticleState
from storage.repositories.article_search import search_on


async def test_seed_creates_the_demo_articles_once(database: Database) -> None:
    assert await seed_demo_articles(database) == 0  # no demo author yet: nothing to do
    async with database.unit_of_work() as uow:
        await uow.users.add(
            email=DEMO_AUTHOR_EMAIL, display_name="Alex Agent", role=Role.AGENT, active=True, password_hash="x"
        )
    assert await seed_demo_articles(database) == len(DEMO_ARTICLES)
    assert await seed_demo_articles(database) == 0

    async with database.read_connection() as connection:
        hits = await search_on(connection, query="senha", limit=10, offset=0, states=[ArticleState.PUBLISHED])
    async with database.unit_of_work() as uow:
        drafts = await uow.articles.list_page(limit=50, states=[ArticleState.DRAFT], order_by="title", descending=False)
    assert hits[0].row["title"] == "Como redefinir sua senha"
    assert len(drafts) == sum(1 for a in DEMO_ARTICLES if a.state is ArticleState.DRAFT) >= 2

"""ArticleRepository writes: slugs, state changes, vote counters and batched view counts."""

from __future__ import annotations

import uuid

import pytest

from server.core.context import Role
from server.knowledge.slugs import first_free_slug, looks_like_uuid, slugify
from storage.db import Database
from storage.models import ArticleState


async def _author(database: Database) -> uuid.UUID:
    async with database.unit_of_work() as uow:
        user = await uow.users.add(
            email=f"a-{uuid.uuid4().hex[:8]}@example.com",
            display_name="A",
            role=Role.AGENT,
            active=True,
            password_hash="x",
        )
        assert user is not None
        return user.id


async def _article(database: Database, author: uuid.UUID, slug: str) -> uuid.UUID:
    async with database.unit_of_work() as uow:
        article = await uow.articles.add(
            article_id=uuid.uuid4(), slug=slug, title="T", body="B", category="", tags=[], author_id=author
        )
        assert article is not None
        return article.id


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Como redefinir sua senha?", "como-redefinir-sua-senha"),
        ("  Configuração & Notificações!! ", "configuracao-notificacoes"),
        ("日本語", "article"),
        ("123e4567-e89b-12d3-a456-426614174000", "article-123e4567-e89b-12d3-a456-426614174000"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug
    assert not looks_like_uuid(slugify(title))


def test_first_free_slug() -> None:
    assert first_free_slug("a", set()) == "a"
    assert first_free_slug("a", {"a", "a-2"}) == "a-3"


async def test_duplicate_slug_is_refused_without_error(database: Database) -> None:
    author = await _author(database)
    slug = f"dup-{uuid.uuid4().hex[:6]}"
    await _article(database, author, slug)
    async with database.unit_of_work() as uow:
        again = await uow.articles.add(
            article_id=uuid.uuid4(), slug=slug, title="T", body="B", category="", tags=[], author_id=author
        )
        assert again is None
        assert await uow.articles.slugs_starting_with(base=slug) == {slug}


async def test_publish_time_is_stamped_once(database: Database) -> None:
    article_id = await _article(database, await _author(database), f"pub-{uuid.uuid4().hex[:6]}")
    async with database.unit_of_work() as uow:
        first = await uow.articles.set_state(article_id=article_id, state=ArticleState.PUBLISHED)
        assert first is not None
        stamp = first.publish_time
        assert stamp is not None
    async with database.unit_of_work() as uow:
        await uow.articles.set_state(article_id=article_id, state=ArticleState.DRAFT)
        again = await uow.articles.set_state(article_id=article_id, state=ArticleState.PUBLISHED)
        assert again is not None
        assert again.publish_time == stamp
        assert again.version == 4


async def test_views_are_added_in_one_batch_and_do_not_touch_the_version(database: Database) -> None:
    author = await _author(database)
    a = await _article(database, author, f"va-{uuid.uuid4().hex[:6]}")
    b = await _article(database, author, f"vb-{uuid.uuid4().hex[:6]}")
    async with database.unit_of_work() as uow:
        assert await uow.articles.add_views(counts={a: 5, b: 2, uuid.uuid4(): 7}) == 2
        assert await uow.articles.add_views(counts={}) == 0
    async with database.unit_of_work() as uow:
        row_a, row_b = await uow.articles.get(article_id=a), await uow.articles.get(article_id=b)
    assert row_a is not None
    assert row_b is not None
    assert (row_a.article.view_count, row_b.article.view_count) == (5, 2)
    assert row_a.article.version == 1


async def test_votes_are_one_row_per_user_and_cascade_with_the_article(database: Database) -> None:
    author = await _author(database)
    article_id = await _article(database, author, f"vote-{uuid.uuid4().hex[:6]}")
    async with database.unit_of_work() as uow:
        await uow.articles.put_vote(article_id=article_id, user_id=author, helpful=True)
        await uow.articles.put_vote(article_id=article_id, user_id=author, helpful=False)
        assert await uow.articles.get_vote(article_id=article_id, user_id=author) is False
        assert await uow.articles.delete(article_id=article_id)
        assert await uow.articles.get_vote(article_id=article_id, user_id=author) is None

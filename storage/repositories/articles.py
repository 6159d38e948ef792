"""Reads and writes of `articles` and `article_votes` (the full-text search is `article_search.py`)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    delete,
    func,
    literal,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Article, ArticleState, ArticleVote, User

# ORDER BY keys of ListArticles; publish_time is NULL for never-published drafts, which sort first.
_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")
_SORT_KEYS: dict[str, Any] = {
    "title": Article.title,
    "create_time": Article.create_time,
    "update_time": Article.update_time,
    "publish_time": func.coalesce(Article.publish_time, _EPOCH),
    "view_count": Article.view_count,
    "helpful_count": Article.helpful_count,
}
SORT_FIELDS = tuple(_SORT_KEYS)
# What a search returns of each article (the deferred search vectors are never read back).
ARTICLE_COLUMNS = tuple(
    column.key for column in Article.__table__.columns if column.key not in {"search_vector", "title_vector"}
)


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """An article with its author's display name."""

    article: Article
    author_display_name: str


class ArticleRepository:
    """Articles by id or slug, lists with keyset pagination, search, categories, votes and counters."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # ---- reads -------------------------------------------------------------------------------

    def _select_rows(self) -> Any:
        return select(Article, User.display_name).join(User, User.id == Article.author_id)

    async def get(self, *, article_id: uuid.UUID) -> ArticleRow | None:
        """The article with this id and its author's name, if any."""
        row = (await self._session.execute(self._select_rows().where(Article.id == article_id))).one_or_none()
        return None if row is None else ArticleRow(row[0], row[1])

    async def get_by_slug(self, *, slug: str) -> ArticleRow | None:
        """The article with this slug and its author's name, if any."""
        row = (await self._session.execute(self._select_rows().where(Article.slug == slug))).one_or_none()
        return None if row is None else ArticleRow(row[0], row[1])

    async def get_for_update(self, *, article_id: uuid.UUID) -> Article | None:
        """The article, row-locked (FOR NO KEY UPDATE: votes referencing it go on) until commit."""
        statement = select(Article).where(Article.id == article_id).with_for_update(key_share=True)
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one_or_none()

    async def slugs_starting_with(self, *, base: str) -> set[str]:
        """Slugs equal to `base` or `base-<n>` (the candidates a new slug must avoid)."""
        pattern = "^" + base + "-[0-9]+$"  # a slug holds only [a-z0-9-]: nothing to escape
        statement = select(Article.slug).where((Article.slug == base) | Article.slug.op("~")(pattern))
        return set(await self._session.scalars(statement))

    async def list_page(
        self,
        *,
        limit: int,
        states: Collection[ArticleState],
        order_by: str,
        descending: bool,
        after: tuple[object, uuid.UUID] | None = None,
        category: str | None = None,
        tag: str | None = None,
    ) -> list[ArticleRow]:
        """Up to `limit` articles in `states`, sorted by `order_by` then id, strictly after `after`."""
        key = _SORT_KEYS[order_by]
        statement = self._select_rows().where(Article.state.in_([s.value for s in states]))
        if category is not None:
            statement = statement.where(Article.category == category)
        if tag is not None:
            statement = statement.where(Article.tags.contains([tag]))
        if after is not None:
            position = tuple_(key, Article.id)
            bound = tuple_(literal(after[0]), literal(after[1]))
            statement = statement.where(position < bound if descending else position > bound)
        if descending:
            statement = statement.order_by(key.desc(), Article.id.desc())
        else:
            statement = statement.order_by(key.asc(), Article.id.asc())
        result = await self._session.execute(statement.limit(limit))
        return [ArticleRow(row[0], row[1]) for row in result]

    async def list_categories(self, *, limit: int, after: str | None = None) -> list[tuple[str, int]]:
        """Categories with at least one PUBLISHED article, by name, with their published counts."""
        statement = (
            select(Article.category, func.count())
            .where(Article.state == ArticleState.PUBLISHED.value, Article.category != "")
            .group_by(Article.category)
            .order_by(Article.category)
            .limit(limit)
        )
        if after is not None:
            statement = statement.where(Article.category > after)
        return [(row[0], int(row[1])) for row in await self._session.execute(statement)]

    # ---- writes ------------------------------------------------------------------------------

    async def add(
        self,
        *,
        article_id: uuid.UUID,
        slug: str,
        title: str,
        body: str,
        category: str,
        tags: Sequence[str],
        author_id: uuid.UUID,
    ) -> Article | None:
        """Inserts a DRAFT; returns None (and changes nothing) if `slug` is already taken."""
        statement = (
            insert(Article)
            .values(
                id=article_id,
                slug=slug,
                title=title,
                body=body,
                category=category,
                tags=list(tags),
                author_id=author_id,
                state=ArticleState.DRAFT.value,
            )
            .on_conflict_do_nothing(index_elements=[Article.slug])
            .returning(Article)
        )
        return (await self._session.scalars(statement)).one_or_none()

    async def update_content(
        self,
        *,
        article_id: uuid.UUID,
        title: str | None = None,
        body: str | None = None,
        category: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> Article | None:
        """Sets the given fields (None = unchanged), bumps `version` and `update_time`."""
        values: dict[str, object] = {"version": Article.version + 1, "update_time": func.now()}
        if title is not None:
            values["title"] = title
        if body is not None:
            values["body"] = body
        if category is not None:
            values["category"] = category
        if tags is not None:
            values["tags"] = list(tags)
        statement = update(Article).where(Article.id == article_id).values(**values).returning(Article)
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one_or_none()

    async def set_state(self, *, article_id: uuid.UUID, state: ArticleState) -> Article | None:
        """Moves the article to `state`, stamping `publish_time` on the first publication."""
        values: dict[str, object] = {
            "state": state.value,
            "version": Article.version + 1,
            "update_time": func.now(),
        }
        if state is ArticleState.PUBLISHED:
            values["publish_time"] = func.coalesce(Article.publish_time, func.now())
        statement = update(Article).where(Article.id == article_id).values(**values).returning(Article)
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one_or_none()

    async def delete(self, *, article_id: uuid.UUID) -> bool:
        """Deletes the article (its votes cascade); False if there was none."""
        result = await self._session.execute(delete(Article).where(Article.id == article_id).returning(Article.id))
        return result.one_or_none() is not None

    async def get_vote(self, *, article_id: uuid.UUID, user_id: uuid.UUID) -> bool | None:
        """The user's vote (True = helpful) on the article, None if they have not voted."""
        statement = select(ArticleVote.helpful).where(
            ArticleVote.article_id == article_id, ArticleVote.user_id == user_id
        )
        return (await self._session.scalars(statement)).one_or_none()

    async def put_vote(self, *, article_id: uuid.UUID, user_id: uuid.UUID, helpful: bool) -> None:
        """Records the user's vote, replacing an earlier one (counters are the caller's job)."""
        statement = (
            insert(ArticleVote)
            .values(article_id=article_id, user_id=user_id, helpful=helpful)
            .on_conflict_do_update(
                index_elements=[ArticleVote.article_id, ArticleVote.user_id],
                set_={"helpful": helpful, "update_time": func.now()},
            )
        )
        await self._session.execute(statement)

    async def adjust_vote_counts(self, *, article_id: uuid.UUID, helpful: int, not_helpful: int) -> Article | None:
        """Adds the deltas to the vote counters (not a content change: `version` stays)."""
        statement = (
            update(Article)
            .where(Article.id == article_id)
            .values(
                helpful_count=Article.helpful_count + helpful,
                not_helpful_count=Article.not_helpful_count + not_helpful,
            )
            .returning(Article)
        )
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one_or_none()

    async def add_views(self, *, counts: Mapping[uuid.UUID, int]) -> int:
        """Adds view counts in one statement (ids of deleted articles are skipped); rows updated."""
        if not counts:
            return 0
        ids = sorted(counts)  # a stable lock order: concurrent flushes cannot deadlock
        statement = text(
            """
            UPDATE articles AS a SET view_count = a.view_count + v.n
            FROM unnest(CAST(:ids AS uuid[]), CAST(:ns AS bigint[])) AS v(id, n)
            WHERE a.id = v.id
            """
        )
        result = await self._session.execute(statement, {"ids": ids, "ns": [counts[i] for i in ids]})
        return int(getattr(result, "rowcount", 0) or 0)

    async def author_name(self, *, user_id: uuid.UUID) -> str:
        """Display name of an author ("" if the user is gone)."""
        return (await self._session.scalars(select(User.display_name).where(User.id == user_id))).one_or_none() or ""


__all__ = ["ARTICLE_COLUMNS", "SORT_FIELDS", "ArticleRepository", "ArticleRow"]

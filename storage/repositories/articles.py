"""Reads and writes of `articles` and `article_votes`, and the full-text search over them.

The text search configurations `helpdesk_pt` / `helpdesk_en` and the `helpdesk_fold` function
come from migration 0003_knowledge (its docstring explains the choice). A query is parsed with
both configurations and the two `tsquery`s are OR-ed, mirroring the vector, which holds both.
Search ranks on the narrow `title_vector` and builds snippets with `helpdesk_snippet` (migration
0005_knowledge_search explains both: what a search costs is the work per matching row).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    Text,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal,
    literal_column,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Article, ArticleState, ArticleVote, User

# Private-use characters marking matches in ts_headline output; replaced by <mark> after the rest of
# the text is HTML-escaped (ts_headline itself escapes nothing).
MATCH_START = "\ue000"
MATCH_END = "\ue001"
_HEADLINE_OPTIONS = (
    f"StartSel={MATCH_START}, StopSel={MATCH_END}, MaxWords=32, MinWords=16, "
    'MaxFragments=2, FragmentDelimiter=" … ", ShortWord=2'
)
# What a body-only hit ranks as, before the boost: below any title (A, ~0.6) or tag (B, ~0.24) hit
# even when the boost favours the body-only article most (x1.6 against x0.6).
_BODY_ONLY_RANK = 0.05
# Snippets (`helpdesk_snippet`, migration 0005_knowledge_search): the headline configuration does
# not stem (one parse, not one per language) and the original text keeps accents, so every lexeme
# of the query is made a prefix match for highlighting only (`configur:*` marks `configurações`).
_PREFIX_PATTERN = "'((?:[^']|'')+)'"
_PREFIX_REPLACEMENT = "'\\1':*"

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
_ARTICLE_COLUMNS = tuple(
    column.key for column in Article.__table__.columns if column.key not in {"search_vector", "title_vector"}
)


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """An article with its author's display name."""

    article: Article
    author_display_name: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result: the article, its score and the raw headline (with match markers)."""

    row: ArticleRow
    score: float
    headline: str


def _query_expressions() -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    folded = func.helpdesk_fold(bindparam("query", type_=Text))
    pt = func.websearch_to_tsquery(literal_column("'helpdesk_pt'::regconfig"), folded)
    en = func.websearch_to_tsquery(literal_column("'helpdesk_en'::regconfig"), folded)
    return pt, en


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

    async def search(
        self,
        *,
        query: str,
        limit: int,
        offset: int,
        states: Collection[ArticleState],
        category: str | None = None,
        tag: str | None = None,
        headlines: int | None = None,
    ) -> list[SearchHit]:
        """Articles matching `query` (web-search syntax), best first, with a headline each.

        A query that has no lexeme left in either language once stop words are removed matches
        nothing (so "the" or "o de a" give an empty page rather than every English or Portuguese
        article). Only the first `headlines` hits (default: all) get a headline; the others
        (a caller's look-ahead row) get "". `article_reads.search_on` runs the same statement at the
        driver level.

        Ranking: `ts_rank` over the title (A) and tags (B), so a title hit outranks a tag hit,
        which outranks a body-only hit, times a modest boost for helpful votes and views;
        body-only hits rank by that boost. Counting body occurrences would need each match's
        full positional vector (~4 KB, out of line): a common word matches thousands of
        articles, and reading those vectors was most of what a search cost. The body still
        decides WHETHER an article matches (GIN index on `search_vector`).
        """
        statement, parameters = search_call(
            query=query, limit=limit, offset=offset, states=states, category=category, tag=tag, headlines=headlines
        )
        rows = await self._session.execute(statement, parameters)
        return [search_hit(row._mapping) for row in rows]

    async def explain_search(self, *, query: str, analyze: bool = False, limit: int = 11) -> list[str]:
        """EXPLAIN (ANALYZE and BUFFERS if `analyze`) of a first page of PUBLISHED hits, as served."""
        statement, parameters = search_call(
            query=query,
            limit=limit,
            offset=0,
            states=[ArticleState.PUBLISHED],
            category=None,
            tag=None,
            headlines=limit - 1,
        )
        connection = await self._session.connection()
        expanded = statement.compile(dialect=connection.dialect).construct_expanded_state(parameters)
        options = "(ANALYZE, BUFFERS) " if analyze else ""
        result = await connection.exec_driver_sql(
            f"EXPLAIN {options}{expanded.statement}", tuple(expanded.positional_parameters or ())
        )
        return [row[0] for row in result]

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


@functools.lru_cache(maxsize=8)
def search_statement(*, by_category: bool, by_tag: bool) -> Select[Any]:
    """The search statement of one filter shape, built once: every value is a bound parameter."""
    pt, en = _query_expressions()
    # Scalar subqueries: computed once per execution (InitPlans). Written inline, a generic plan
    # (asyncpg prepares statements; PostgreSQL turns to a generic plan after five runs) would
    # fold and parse the query again for every matching row.
    tsquery = select(pt.op("||")(en)).scalar_subquery()
    pt, en = select(pt).scalar_subquery(), select(en).scalar_subquery()
    boost = (1 + 0.10 * func.ln(1 + Article.helpful_count) + 0.03 * func.ln(1 + Article.view_count)) / (
        1 + 0.10 * func.ln(1 + Article.not_helpful_count)
    )
    score = ((func.ts_rank(Article.title_vector, tsquery) + _BODY_ONLY_RANK) * boost).cast(Float).label("score")
    # The page is chosen from narrow data only (the heap row, no TOAST): bodies, headlines and
    # authors are read for the rows of the page, never for the other candidates.
    page = select(Article.id.label("id"), score).where(
        func.numnode(pt) > 0,
        func.numnode(en) > 0,
        Article.search_vector.op("@@")(tsquery),
        Article.state == func.any(bindparam("states", type_=ARRAY(Text))),
    )
    if by_category:
        page = page.where(Article.category == bindparam("category", type_=Text))
    if by_tag:
        page = page.where(Article.tags.contains(bindparam("tags", type_=ARRAY(Text))))
    chosen = (
        page.order_by(score.desc(), Article.id)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("page")
    )
    position = func.row_number().over(order_by=(chosen.c.score.desc(), chosen.c.id))
    numbered = select(chosen.c.id, chosen.c.score, position.label("position")).subquery("numbered")
    prefixes = select(
        cast(func.regexp_replace(cast(tsquery, Text), _PREFIX_PATTERN, _PREFIX_REPLACEMENT, "g"), TSQUERY)
    ).scalar_subquery()
    headline = func.helpdesk_snippet(
        func.translate(Article.body, MATCH_START + MATCH_END, ""), prefixes, _HEADLINE_OPTIONS, MATCH_START
    )
    columns = [Article.__table__.c[name] for name in _ARTICLE_COLUMNS]
    return (
        select(
            *columns,
            User.display_name.label("author_display_name"),
            numbered.c.score,
            case((numbered.c.position <= bindparam("headlines", type_=Integer), headline), else_="").label("headline"),
        )
        .join(numbered, numbered.c.id == Article.id)
        .join(User, User.id == Article.author_id)
        .order_by(numbered.c.position)
    )


def search_call(
    *,
    query: str,
    limit: int,
    offset: int,
    states: Collection[ArticleState],
    category: str | None,
    tag: str | None,
    headlines: int | None,
) -> tuple[Select[Any], dict[str, object]]:
    """The search statement for these filters and its parameters."""
    statement = search_statement(by_category=category is not None, by_tag=tag is not None)
    parameters: dict[str, object] = {
        "query": query,
        "states": [s.value for s in states],
        "category": category,
        "tags": None if tag is None else [tag],
        "limit": limit,
        "offset": offset,
        "headlines": limit if headlines is None else headlines,
    }
    return statement, parameters


def search_hit(row: Mapping[str, Any]) -> SearchHit:
    """A search statement's row as a hit (the article as a detached model instance)."""
    article = Article(**{name: row[name] for name in _ARTICLE_COLUMNS})
    return SearchHit(ArticleRow(article, row["author_display_name"]), float(row["score"]), row["headline"] or "")


__all__ = [
    "MATCH_END",
    "MATCH_START",
    "SORT_FIELDS",
    "ArticleRepository",
    "ArticleRow",
    "SearchHit",
    "search_call",
    "search_hit",
    "search_statement",
]

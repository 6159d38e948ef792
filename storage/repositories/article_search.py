"""The full-text search over `articles`: the statement, and SearchArticles' driver-level path running it.

The text search configurations `helpdesk_pt` / `helpdesk_en` and the `helpdesk_fold` function
come from migration 0003_knowledge (its docstring explains the choice). A query is parsed with
both configurations and the two `tsquery`s are OR-ed, mirroring the vector, which holds both.
Search ranks on the narrow `title_vector` (migration 0005_knowledge_search explains why: what a
search costs is the work per matching row). Snippets are made in the server from the bodies of
the page's rows and the query's lexemes, which the statement returns (`article_snippets`).

The statement is compiled once per filter shape to asyncpg's SQL and run outside any transaction
(`search_on` on `Database.read_connection()`): SQLAlchemy's per-execution work costs more than
PostgreSQL spends on a rare-word search.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    union,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import DriverStatement, ReadConnection
from storage.models import Article, ArticleState, User
from storage.repositories.article_snippets import snippet_html_utf8
from storage.repositories.articles import ARTICLE_COLUMNS
from storage.timestamps import epoch_microseconds

# What a body-only hit ranks as, before the boost: below any title (A, ~0.6) or tag (B, ~0.24) hit
# even when the boost favours the body-only article most (x1.6 against x0.6).
_BODY_ONLY_RANK = 0.05
# Candidates ranked per search, each tier in storage order: articles with a query word in the title or
# tags, then (only if those are fewer than their cap) any matches, which adds the body-only ones
# (ranked below every title or tag hit). The page is the best of these: a word found in thousands of
# articles no longer costs thousands of rows (migration 0015_search_candidates). Pages end where the
# candidates do.
TITLE_CANDIDATES = 200
BODY_CANDIDATES = 100
# The quoted lexemes of a tsquery's text form ('' escapes a quote inside one).
_LEXEME_PATTERN = "'((?:[^']|'')+)'"
# Read as microseconds since the epoch, under the column's name + "_us" (see `search_statement`).
TIME_COLUMNS = ("create_time", "update_time", "publish_time")


class SearchHit(NamedTuple):
    """One search result: the article, its score and its snippet (UTF-8 HTML: the text escaped, the matches `<mark>`ed).

    `row` is the statement's row as the driver returns it, read by column name: the article's
    columns (ARTICLE_COLUMNS, the TIME_COLUMNS as `<name>_us`) and `author_display_name`. A page
    is turned into its answer straight from these rows; a model instance per hit cost more than
    the rest of that. A named tuple: one tuple built per hit, where a frozen dataclass sets each field
    through `object.__setattr__`.
    """

    row: Mapping[str, Any]
    score: float
    headline: bytes


def _query_cte() -> Any:
    """The query, parsed once per execution: its tsquery, whether it searches at all, its lexemes.

    A MATERIALIZED CTE of one row, which every use reads through a scalar subquery (an InitPlan,
    so the index conditions still get their value before the scan). Written inline, each use was
    an InitPlan of its own that folded and parsed the text again (a dozen parses per search), and
    the title tier's tsquery of lexemes was parsed from its text form for every row checked.
    """
    folded = func.helpdesk_fold(bindparam("query", type_=Text))
    pt = func.websearch_to_tsquery(literal_column("'helpdesk_pt'::regconfig"), folded)
    en = func.websearch_to_tsquery(literal_column("'helpdesk_en'::regconfig"), folded)
    # Materialized, or PostgreSQL would inline both parses into every expression below that uses them.
    parsed = select(pt.label("pt"), en.label("en")).cte("parsed").prefix_with("MATERIALIZED")
    tsquery = parsed.c.pt.op("||")(parsed.c.en)
    # Any lexeme the query searches for (negated ones excepted): what gives a title or tag hit its rank.
    matches = func.regexp_matches(func.querytree(tsquery), _LEXEME_PATTERN, "g", type_=ARRAY(Text))
    lexeme = matches.column_valued("m")[1]
    any_lexeme = cast(
        select(func.string_agg(literal("'") + lexeme + literal("'"), literal(" | "))).scalar_subquery(), TSQUERY
    )
    # The same lexemes as text (quotes unescaped), for the snippets the server makes.
    lexemes = select(func.array_agg(func.replace(lexeme, "''", "'"))).scalar_subquery()
    return (
        select(
            tsquery.label("tsquery"),
            # A query left with no lexeme in either language once stop words are removed matches nothing.
            and_(func.numnode(parsed.c.pt) > 0, func.numnode(parsed.c.en) > 0).label("searchable"),
            any_lexeme.label("any_lexeme"),
            func.coalesce(lexemes, cast(literal([], ARRAY(Text)), ARRAY(Text))).label("lexemes"),
        )
        .select_from(parsed)
        .cte("q")
        .prefix_with("MATERIALIZED")
    )


async def search_on(
    connection: ReadConnection,
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
    article). Only the first `headlines` hits (default: all) get a headline and their body; the
    others (a caller's look-ahead row) get "" and no body (`row["body"]` is None).

    Ranking: `ts_rank` over the title (A) and tags (B), so a title hit outranks a tag hit,
    which outranks a body-only hit, times a modest boost for helpful votes and views;
    body-only hits rank by that boost. Counting body occurrences would need each match's
    full positional vector (~4 KB, out of line): a common word matches thousands of
    articles, and reading those vectors was most of what a search cost. The body still
    decides WHETHER an article matches (GIN index on `search_vector`).

    Bounded work: at most TITLE_CANDIDATES title/tag hits are ranked, and BODY_CANDIDATES
    other matches when fewer title/tag hits exist; each tier is taken in storage order, and
    matches past a tier's cap are not found (a query that common is refined by adding a word).
    """
    _, parameters = search_call(
        query=query, limit=limit, offset=offset, states=states, category=category, tag=tag, headlines=headlines
    )
    compiled = _search_driver_statement(by_category=category is not None, by_tag=tag is not None)
    rows = await connection.fetch(compiled.sql, *compiled.arguments(parameters))
    with_headline = limit if headlines is None else headlines
    return [search_hit(row, headline=position < with_headline) for position, row in enumerate(rows)]


@functools.lru_cache(maxsize=8)
def _search_driver_statement(*, by_category: bool, by_tag: bool) -> DriverStatement:
    return DriverStatement.compile(search_statement(by_category=by_category, by_tag=by_tag))


@functools.lru_cache(maxsize=8)
def search_statement(*, by_category: bool, by_tag: bool) -> Select[Any]:
    """The search statement of one filter shape, built once: every value is a bound parameter."""
    q = _query_cte()
    tsquery = select(q.c.tsquery).scalar_subquery()
    boost = (1 + 0.10 * func.ln(1 + Article.helpful_count) + 0.03 * func.ln(1 + Article.view_count)) / (
        1 + 0.10 * func.ln(1 + Article.not_helpful_count)
    )
    score = ((func.ts_rank(Article.title_vector, tsquery) + _BODY_ONLY_RANK) * boost).cast(Float).label("score")
    # The page is chosen from narrow data only (the heap row, no TOAST): bodies (for snippets) and
    # authors are read for the rows of the page, never for the other candidates. Each tier stops
    # after its cap in storage order (a LIMIT under a bitmap heap scan ends the scan), so a word
    # in thousands of articles costs a few hundred rows, not thousands.
    tiers = []
    for title_only, cap in ((True, "title_candidates"), (False, "body_candidates")):
        tier = select(Article.id.label("id"), score).where(
            select(q.c.searchable).scalar_subquery(),
            Article.search_vector.op("@@")(tsquery),
            Article.state == func.any(bindparam("states", type_=ARRAY(Text))),
        )
        if title_only:
            # With the match on `search_vector`, one scan of the index over both vectors.
            tier = tier.where(Article.title_vector.op("@@")(select(q.c.any_lexeme).scalar_subquery()))
        if by_category:
            tier = tier.where(Article.category == bindparam("category", type_=Text))
        if by_tag:
            tier = tier.where(Article.tags.contains(bindparam("tags", type_=ARRAY(Text))))
        tiers.append(tier.limit(bindparam(cap, type_=Integer)))
    titled = tiers[0].cte("titled").prefix_with("MATERIALIZED")
    # Other matches only when the title tier is not full: then it holds every title or tag hit,
    # and the other matches add the body-only ones below them. When it is full, a body-only hit
    # could never rank in, and its scan (a second bitmap of every match) is not run at all.
    titled_count = select(func.count()).select_from(titled).scalar_subquery()
    others = tiers[1].where(titled_count < bindparam("title_candidates", type_=Integer))
    # UNION: an article in both tiers has the same score in each, and is ranked once.
    candidates = union(select(titled.c.id, titled.c.score), others).subquery("candidates")
    chosen = (
        select(candidates.c.id, candidates.c.score)
        .order_by(candidates.c.score.desc(), candidates.c.id)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("page")
    )
    # Each row's place on the page: a body is read (a TOAST fetch) and sent for the rows that get a
    # snippet only, not for a caller's look-ahead row.
    position = func.row_number().over(order_by=(chosen.c.score.desc(), chosen.c.id))
    page = select(chosen.c.id, chosen.c.score, position.label("position")).subquery("numbered")
    # The timestamps come as integers (microseconds since the epoch): an answer's Timestamps are
    # made from them by arithmetic, where the driver would first build a datetime for each of a
    # page's thirty.
    body = case((page.c.position <= bindparam("headlines", type_=Integer), Article.body)).label("body")
    columns = [_page_column(name, body) for name in ARTICLE_COLUMNS]
    return (
        select(
            *columns,
            User.display_name.label("author_display_name"),
            page.c.score,
            select(q.c.lexemes).scalar_subquery().label("lexemes"),
        )
        .join(page, page.c.id == Article.id)
        .join(User, User.id == Article.author_id)
        .order_by(page.c.score.desc(), page.c.id)
    )


def _page_column(name: str, body: ColumnElement[Any]) -> ColumnElement[Any]:
    column = Article.__table__.c[name]
    if name == "body":
        return body
    return epoch_microseconds(column, label=f"{name}_us") if name in TIME_COLUMNS else column


def search_call(
    *,
    query: str,
    limit: int,
    offset: int,
    states: Collection[ArticleState],
    category: str | None,
    tag: str | None,
    headlines: int | None = None,
) -> tuple[Select[Any], dict[str, object]]:
    """The search statement for these filters and its parameters (bodies for `headlines` rows, default all)."""
    statement = search_statement(by_category=category is not None, by_tag=tag is not None)
    parameters: dict[str, object] = {
        "query": query,
        "states": [s.value for s in states],
        "category": category,
        "tags": None if tag is None else [tag],
        "limit": limit,
        "offset": offset,
        "title_candidates": TITLE_CANDIDATES,
        "body_candidates": BODY_CANDIDATES,
        "headlines": limit if headlines is None else headlines,
    }
    return statement, parameters


def search_hit(row: Mapping[str, Any], *, headline: bool = True) -> SearchHit:
    """A search statement's row as a hit, with its snippet if `headline`."""
    text = snippet_html_utf8(row["body"], row["lexemes"]) if headline else b""
    return SearchHit(row, float(row["score"]), text)


async def explain_search(session: AsyncSession, *, query: str, analyze: bool = False, limit: int = 11) -> list[str]:
    """EXPLAIN (ANALYZE and BUFFERS if `analyze`) of a first page of PUBLISHED hits, as the server runs it.

    The server asks for one row more than the page (its look-ahead row, with no body).
    """
    statement, parameters = search_call(
        query=query,
        limit=limit,
        offset=0,
        states=[ArticleState.PUBLISHED],
        category=None,
        tag=None,
        headlines=limit - 1,
    )
    connection = await session.connection()
    expanded = statement.compile(dialect=connection.dialect).construct_expanded_state(parameters)
    options = "(ANALYZE, BUFFERS) " if analyze else ""
    result = await connection.exec_driver_sql(
        f"EXPLAIN {options}{expanded.statement}", tuple(expanded.positional_parameters or ())
    )
    return [row[0] for row in result]

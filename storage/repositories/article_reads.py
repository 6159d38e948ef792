"""SearchArticles' statement at the driver level, outside any transaction (the cold-search hot path).

The statement is the repository's own (`ArticleRepository.search` runs the same one through the
session), compiled once per filter shape to asyncpg's SQL: SQLAlchemy's per-execution work costs
more than PostgreSQL spends on a rare-word search.
"""

from __future__ import annotations

import functools
from collections.abc import Collection

from storage.db import DriverStatement, ReadConnection
from storage.models import ArticleState
from storage.repositories.articles import SearchHit, search_call, search_hit, search_statement


@functools.lru_cache(maxsize=8)
def _search_driver_statement(*, by_category: bool, by_tag: bool) -> DriverStatement:
    return DriverStatement.compile(search_statement(by_category=by_category, by_tag=by_tag))


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
    """`ArticleRepository.search` on a driver connection (`Database.read_connection()`).

    The hot path of SearchArticles: the statement is compiled once per filter shape and run by
    asyncpg directly, skipping SQLAlchemy's per-execution work, which costs more than a rare-word
    search does in PostgreSQL.
    """
    _, parameters = search_call(
        query=query, limit=limit, offset=offset, states=states, category=category, tag=tag, headlines=headlines
    )
    compiled = _search_driver_statement(by_category=category is not None, by_tag=tag is not None)
    rows = await connection.fetch(compiled.sql, *compiled.arguments(parameters))
    return [search_hit(row) for row in rows]


__all__ = ["search_on"]

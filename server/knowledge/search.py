"""Finding articles: full-text search, filtered lists and categories, all cached per page.

Visibility is applied by narrowing the states a caller may match: anonymous callers and
customers only ever match PUBLISHED (whatever they ask for), so a cached page is shared by every
caller with the same effective states.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from server.core.bounded import remember
from server.core.context import Principal
from server.core.errors import InvalidArgument
from server.core.validation import FieldChecks, reject_nul
from server.knowledge.cache import BROWSE, SEARCH, KnowledgeCache
from server.knowledge.domain import can_see_unpublished
from server.knowledge.records import ArticleData, SearchResult
from server.knowledge.validation import check_query
from storage.db import Database
from storage.models import ArticleState
from storage.pagination import decode_page_token, encode_page_token, filters_digest, resolve_page_size
from storage.repositories.article_search import search_on
from storage.repositories.articles import SORT_FIELDS

SEARCH_DEFAULT_PAGE_SIZE = 10
SEARCH_MAX_PAGE_SIZE = 50
# Relevance pages are served by offset; nobody reads past the 1000th hit of a help-centre search.
SEARCH_MAX_OFFSET = 1000
# Search requests whose page is kept resolved (`ArticleSearch.search`): a few hundred bytes each.
_MAX_REQUESTS = 4096
LIST_DEFAULT_PAGE_SIZE = 50
LIST_MAX_PAGE_SIZE = 200
CATEGORIES_DEFAULT_PAGE_SIZE = 50
CATEGORIES_MAX_PAGE_SIZE = 200
DEFAULT_ORDER_BY = "update_time desc"
_INT_KEYS = {"view_count", "helpful_count"}


_TIME_KEYS = {"create_time", "update_time", "publish_time"}


def effective_states(principal: Principal | None, requested: Collection[ArticleState]) -> list[ArticleState]:
    """The states a caller's filter may match: default PUBLISHED; non-staff never match anything else."""
    return _visible_states(can_see_unpublished(principal), requested)


def _visible_states(staff: bool, requested: Collection[ArticleState]) -> list[ArticleState]:
    states = set(requested) or {ArticleState.PUBLISHED}
    if not staff:
        states &= {ArticleState.PUBLISHED}
    return sorted(states, key=lambda s: s.value)


def parse_order_by(order_by: str) -> tuple[str, bool]:
    """(`field`, descending) of an AIP-132 order_by; InvalidArgument on `order_by` otherwise."""
    words = (order_by.strip() or DEFAULT_ORDER_BY).split()
    if len(words) not in (1, 2) or words[0] not in SORT_FIELDS or (len(words) == 2 and words[1] not in ("asc", "desc")):
        raise InvalidArgument.field(
            "order_by", f"must be one of {', '.join(SORT_FIELDS)}, optionally followed by ' desc'"
        )
    return words[0], len(words) == 2 and words[1] == "desc"


def _optional_tag(tag: str) -> str | None:
    cleaned = tag.strip().lower()
    return cleaned or None


class ArticleSearch:
    """SearchArticles, ListArticles and ListCategories."""

    def __init__(self, *, database: Database, cache: KnowledgeCache) -> None:
        self._database = database
        self._cache = cache
        # The pages valid search requests asked for, by request and audience (see `_search_page`).
        self._requests: dict[tuple[object, ...], _SearchPage] = {}

    async def search(
        self,
        *,
        principal: Principal | None,
        query: str,
        page_size: int,
        page_token: str,
        category: str,
        tag: str,
        states: Collection[ArticleState],
        full: bool,
        render: Callable[[list[SearchResult], str, bool], bytes],
    ) -> bytes:
        """A page of matches, best first, and the next page's token ("" on the last page): the encoded answer.

        `render(results, next_page_token, full)` encodes the answer; what this returns is those
        bytes, which are also what the cache keeps. A cached page therefore
        costs one Redis round trip, and its bytes go back to the caller as they are: no parse,
        no message, no second serialization.

        A computed page is cached only when this replica was asked for it before (its request is
        among the last _MAX_REQUESTS it kept): most searches are asked once (a help centre's
        queries have a long tail), and writing their pages cost more of the server than anything
        else an uncached search does but the search itself (the page, a few KB, written to Redis
        and its reply read). A page asked for again is cached then, so a popular search is
        computed twice instead of once per cache lifetime (once more per replica at most).
        """
        # Keyed by the request as it came and the audience: all a page depends on besides the data.
        request = (query, page_size, page_token, category, tag, tuple(states), full, can_see_unpublished(principal))
        page = self._requests.get(request)
        asked_before = page is not None
        if page is None:
            page = remember(self._requests, request, _search_page(*request), bound=_MAX_REQUESTS)
        if not page.states:
            return render([], "", full)

        version, cached = await self._cache.get_encoded_page(SEARCH, page.key)
        if cached is not None:
            return cached

        # One statement: no transaction around it, and run by the driver directly.
        async with self._database.read_connection() as connection:
            hits = await search_on(
                connection,
                query=page.query,
                limit=page.size + 1,
                offset=page.offset,
                states=page.states,
                category=page.category or None,
                tag=page.tag,
                headlines=page.size,
            )
        results = [SearchResult(hit.row, hit.headline) for hit in hits[: page.size]]
        next_offset = page.offset + page.size
        more = len(hits) > page.size and next_offset < SEARCH_MAX_OFFSET
        next_token = encode_page_token(position=[str(next_offset)], filters=page.filters) if more else ""
        answer = render(results, next_token, full)
        # A computed page is cached from its second request on (see `search`'s docstring). Sent
        # without waiting for Redis's reply where the connection allows (see `fill_encoded_page`).
        if not asked_before:
            return answer
        if version is not None and not self._cache.fill_encoded_page(SEARCH, version, page.key, answer):
            await self._cache.put_encoded_page(SEARCH, version, page.key, answer)
        return answer

    async def list_articles(
        self,
        *,
        principal: Principal | None,
        page_size: int,
        page_token: str,
        category: str,
        tag: str,
        states: Collection[ArticleState],
        order_by: str,
        full: bool,
    ) -> tuple[list[ArticleData], str]:
        """A page of articles in the requested order (ties by id) and the next page's token."""
        checks = FieldChecks()
        size = checks.run(
            lambda: resolve_page_size(page_size, default=LIST_DEFAULT_PAGE_SIZE, maximum=LIST_MAX_PAGE_SIZE)
        )
        order = checks.run(lambda: parse_order_by(order_by))
        checks.run(lambda: reject_nul(category, field="category"))
        checks.run(lambda: reject_nul(tag, field="tag"))
        checks.raise_if_any()
        assert size is not None
        assert order is not None
        field, descending = order
        visible = effective_states(principal, states)
        filters = {
            "category": category.strip(),
            "tag": _optional_tag(tag),
            "states": [s.value for s in visible],
            "order_by": f"{field} {'desc' if descending else 'asc'}",
        }
        after = _list_position(field, decode_page_token(page_token, filters=filters))
        if not visible:
            return [], ""

        key = filters_digest({"kind": "list", **filters, "size": size, "token": page_token, "full": full})
        version = await self._cache.page_version(BROWSE)
        if version is not None:
            cached = await self._cache.get_page(BROWSE, version, key)
            if cached is not None:
                return [ArticleData.from_json(item) for item in cached["articles"]], cached["next"]

        async with self._database.unit_of_work() as uow:
            rows = await uow.articles.list_page(
                limit=size + 1,
                states=visible,
                order_by=field,
                descending=descending,
                after=after,
                category=category.strip() or None,
                tag=_optional_tag(tag),
            )
        articles = [ArticleData.from_row(row) for row in rows[:size]]
        next_token = ""
        if len(rows) > size:
            last = articles[-1]
            next_token = encode_page_token(position=[_sort_value(field, last), str(last.id)], filters=filters)
        if not full:
            articles = [a.without_body() for a in articles]
        if version is not None:
            await self._cache.put_page(
                BROWSE, version, key, {"articles": [a.to_json() for a in articles], "next": next_token}
            )
        return articles, next_token

    async def list_categories(self, *, page_size: int, page_token: str) -> tuple[list[tuple[str, int]], str]:
        """Categories with PUBLISHED articles, by name, with their counts (the same for every caller)."""
        size = resolve_page_size(page_size, default=CATEGORIES_DEFAULT_PAGE_SIZE, maximum=CATEGORIES_MAX_PAGE_SIZE)
        filters: dict[str, object] = {}
        position = decode_page_token(page_token, filters=filters)
        after = position[0] if position else None
        key = filters_digest({"kind": "categories", "size": size, "after": after})
        version = await self._cache.page_version(BROWSE)
        if version is not None:
            cached = await self._cache.get_page(BROWSE, version, key)
            if cached is not None:
                return [(name, count) for name, count in cached["categories"]], cached["next"]
        async with self._database.unit_of_work() as uow:
            rows = await uow.articles.list_categories(limit=size + 1, after=after)
        categories = rows[:size]
        next_token = encode_page_token(position=[categories[-1][0]], filters=filters) if len(rows) > size else ""
        if version is not None:
            await self._cache.put_page(BROWSE, version, key, {"categories": categories, "next": next_token})
        return categories, next_token


class _SearchPage(NamedTuple):
    """What a valid search request asks for: its filters as served, and its page's cache key."""

    key: str
    query: str
    size: int
    offset: int
    states: list[ArticleState]
    category: str
    tag: str | None
    # The digest of the filters a next-page token is bound to.
    filters: str


def _search_page(
    query: str,
    page_size: int,
    page_token: str,
    category: str,
    tag: str,
    states: tuple[ArticleState, ...],
    full: bool,
    staff: bool,
) -> _SearchPage:
    """The page a search request asks for; InvalidArgument naming every bad field.

    A function of its arguments alone (no clock, no data), so `ArticleSearch` keeps its result
    per request: a repeated search pays neither the checks nor the digests. A request refused
    here is never kept, and is refused again each time it comes.

    The key is a digest of everything that decides the answer. The `repr` of a tuple of
    strings, numbers and booleans is unambiguous (every string is quoted and escaped), and costs
    a fraction of canonical JSON.
    """
    checks = FieldChecks()
    clean_query = checks.run(lambda: check_query(query))
    size = checks.run(
        lambda: resolve_page_size(page_size, default=SEARCH_DEFAULT_PAGE_SIZE, maximum=SEARCH_MAX_PAGE_SIZE)
    )
    checks.run(lambda: reject_nul(category, field="category"))
    checks.run(lambda: reject_nul(tag, field="tag"))
    checks.raise_if_any()
    assert clean_query is not None
    assert size is not None
    visible = _visible_states(staff, states)
    clean_category, clean_tag = category.strip(), _optional_tag(tag)
    state_values = [s.value for s in visible]
    filters = filters_digest(
        {"query": clean_query, "category": clean_category, "tag": clean_tag, "states": state_values}
    )
    offset = _offset(decode_page_token(page_token, filters=filters))
    canonical = repr(("search", clean_query, clean_category, clean_tag, state_values, size, offset, full))
    key = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    return _SearchPage(key, clean_query, size, offset, visible, clean_category, clean_tag, filters)


def _offset(position: Sequence[str] | None) -> int:
    if position is None:
        return 0
    try:
        offset = int(position[0])
    except (ValueError, IndexError):
        raise InvalidArgument.field("page_token", "is not a page token returned by this method") from None
    if not 0 <= offset <= SEARCH_MAX_OFFSET:
        raise InvalidArgument.field("page_token", "is not a page token returned by this method")
    return offset


def _sort_value(field: str, article: ArticleData) -> str:
    value: Any = getattr(article, field)
    if field == "publish_time" and value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _list_position(field: str, position: Sequence[str] | None) -> tuple[object, uuid.UUID] | None:
    if position is None:
        return None
    try:
        raw, raw_id = position
        article_id = uuid.UUID(raw_id)
        value: object
        if field in _INT_KEYS:
            value = int(raw)
        elif field in _TIME_KEYS:
            value = datetime.fromisoformat(raw or "1970-01-01T00:00:00+00:00")
        else:
            value = raw
    except ValueError:
        raise InvalidArgument.field("page_token", "is not a page token returned by this method") from None
    return value, article_id

"""Knowledge base: protobuf messages <-> domain values (articles, states, votes, views, search pages)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from helpdesk.v1 import article_pb2
from server.core.bounded import remember
from server.core.encoded_answers import delimited
from server.core.errors import InvalidArgument
from server.core.timestamps import micros_timestamp_fields
from server.knowledge.domain import Vote
from server.knowledge.records import ArticleData, SearchResult
from storage.etags import etag_for_version
from storage.models import ArticleState

_STATE_TO_PROTO = {
    ArticleState.DRAFT: article_pb2.ARTICLE_STATE_DRAFT,
    ArticleState.PUBLISHED: article_pb2.ARTICLE_STATE_PUBLISHED,
    ArticleState.ARCHIVED: article_pb2.ARTICLE_STATE_ARCHIVED,
}
_STATE_FROM_PROTO = {value: key for key, value in _STATE_TO_PROTO.items()}
_STATE_BY_TEXT = {state.value: value for state, value in _STATE_TO_PROTO.items()}
_VOTE_FROM_PROTO = {
    article_pb2.ARTICLE_VOTE_HELPFUL: Vote.HELPFUL,
    article_pb2.ARTICLE_VOTE_NOT_HELPFUL: Vote.NOT_HELPFUL,
}


def article_to_proto(article: ArticleData) -> article_pb2.Article:
    """The API view of an article (the body is empty in BASIC answers: the domain leaves it out)."""
    message = article_pb2.Article(
        id=str(article.id),
        slug=article.slug,
        title=article.title,
        body=article.body,
        category=article.category,
        tags=list(article.tags),
        state=_STATE_TO_PROTO[article.state],
        author_id=str(article.author_id),
        author_display_name=article.author_display_name,
        # int32 on the wire: a view count past 2^31 saturates rather than wraps.
        view_count=min(article.view_count, 2**31 - 1),
        helpful_count=article.helpful_count,
        not_helpful_count=article.not_helpful_count,
        etag=article.etag,
    )
    message.create_time.FromDatetime(article.create_time)
    message.update_time.FromDatetime(article.update_time)
    if article.publish_time is not None:
        message.publish_time.FromDatetime(article.publish_time)
    return message


class SearchAnswers:
    """Encodes SearchArticles answers, keeping each article's encoded part for the answers that follow.

    What a result says about its article does not depend on the query: an article found again
    (a popular article is found by many searches) costs a dictionary look-up instead of a message
    built from twenty fields. The part is kept under everything of the row that can change
    without its `version` changing (the counters, the author's name), so a kept part is the
    article as the row has it now, byte for byte what encoding it again would give (`answer ==
    SearchArticlesResponse.FromString(answer).SerializeToString()` holds). Only the query's
    snippet and the page's framing are encoded per answer.
    """

    def __init__(self, *, max_articles: int = 4096) -> None:
        self._max_articles = max_articles
        self._parts: dict[tuple[Any, ...], bytes] = {}

    def encode(self, results: Sequence[SearchResult], next_page_token: str, full: bool) -> bytes:
        """The serialized SearchArticlesResponse (fields in number order, as protobuf writes them)."""
        parts = self._parts
        chunks: list[bytes] = []
        for result in results:
            row = result.article
            key = (
                row["id"],
                row["version"],
                row["view_count"],
                row["helpful_count"],
                row["not_helpful_count"],
                row["author_id"],
                row["author_display_name"],
                full,
            )
            article = parts.get(key)
            if article is None:
                article = remember(
                    parts, key, delimited(_RESULT_ARTICLE, _search_article(row, full=full)), bound=self._max_articles
                )
            snippet = result.snippet
            body = article + delimited(_RESULT_SNIPPET, snippet) if snippet else article
            chunks.append(delimited(_RESPONSE_RESULTS, body))
        if next_page_token:
            chunks.append(delimited(_RESPONSE_NEXT_PAGE_TOKEN, next_page_token.encode()))
        return b"".join(chunks)


# The keys (field number << 3 | wire type 2, length-delimited) of the fields written by hand.
_RESPONSE_RESULTS = b"\x0a"  # SearchArticlesResponse.results = 1
_RESPONSE_NEXT_PAGE_TOKEN = b"\x12"  # SearchArticlesResponse.next_page_token = 2
_RESULT_ARTICLE = b"\x0a"  # SearchArticlesResult.article = 1
_RESULT_SNIPPET = b"\x12"  # SearchArticlesResult.snippet = 2


def _search_article(row: Mapping[str, Any], *, full: bool) -> bytes:
    return article_pb2.Article(**_search_article_fields(row, full=full)).SerializeToString()


def _search_article_fields(row: Mapping[str, Any], *, full: bool) -> dict[str, Any]:
    """`article_to_proto`'s fields for a search statement's row, as keyword arguments."""
    publish_time = row["publish_time_us"]
    return {
        "id": str(row["id"]),
        "slug": row["slug"],
        "title": row["title"],
        "body": row["body"] if full else "",
        "category": row["category"],
        "tags": row["tags"],
        "state": _STATE_BY_TEXT[row["state"]],
        "author_id": str(row["author_id"]),
        "author_display_name": row["author_display_name"],
        # int32 on the wire: a view count past 2^31 saturates rather than wraps.
        "view_count": min(row["view_count"], 2**31 - 1),
        "helpful_count": row["helpful_count"],
        "not_helpful_count": row["not_helpful_count"],
        "etag": etag_for_version(row["version"]),
        "create_time": micros_timestamp_fields(row["create_time_us"]),
        "update_time": micros_timestamp_fields(row["update_time_us"]),
        "publish_time": None if publish_time is None else micros_timestamp_fields(publish_time),
    }


def states_from_proto(values: Iterable[int]) -> list[ArticleState]:
    """Domain states of a `states` filter; UNSPECIFIED or unknown values are a bad `states`."""
    states = []
    for value in values:
        state = _STATE_FROM_PROTO.get(article_pb2.ArticleState.ValueType(value))
        if state is None:
            raise InvalidArgument.field("states", f"unknown or unspecified article state {value}")
        states.append(state)
    return states


def is_full(view: int, *, default_full: bool) -> bool:
    """Whether an answer carries bodies, for an ArticleView value."""
    if view == article_pb2.ARTICLE_VIEW_UNSPECIFIED:
        return default_full
    if view == article_pb2.ARTICLE_VIEW_FULL:
        return True
    if view == article_pb2.ARTICLE_VIEW_BASIC:
        return False
    raise InvalidArgument.field("view", f"unknown article view {view}")


def vote_from_proto(value: int) -> Vote:
    """The domain vote for an ArticleVote value; UNSPECIFIED or unknown is a bad `vote`."""
    vote = _VOTE_FROM_PROTO.get(article_pb2.ArticleVote.ValueType(value))
    if vote is None:
        raise InvalidArgument.field("vote", "is required: ARTICLE_VOTE_HELPFUL or ARTICLE_VOTE_NOT_HELPFUL")
    return vote

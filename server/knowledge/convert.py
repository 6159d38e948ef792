"""Knowledge base: protobuf messages <-> domain values (articles, states, votes, views, search pages)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from helpdesk.v1 import article_pb2, knowledge_service_pb2
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


def search_response(
    results: Sequence[SearchResult], next_page_token: str, full: bool
) -> knowledge_service_pb2.SearchArticlesResponse:
    """A SearchArticles answer: each result's article (with its body if `full`) and snippet, and the next token.

    Each result is built in place in the repeated field from keyword arguments (timestamps as
    their fields): building messages and copying them in cost twice as much.
    """
    response = knowledge_service_pb2.SearchArticlesResponse(next_page_token=next_page_token)
    add = response.results.add
    for result in results:
        add(article=_search_article_fields(result.article, full=full), snippet=result.snippet)
    return response


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

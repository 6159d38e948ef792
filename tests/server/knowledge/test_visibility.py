"""Who sees what: anonymous, customer, agent, admin x draft, published, archived x get, list, search, categories.

Anonymous callers and customers see PUBLISHED articles only, and never learn that anything else
exists (NOT_FOUND, never PERMISSION_DENIED), even when they ask for other states explicitly.
Agents and administrators see drafts and archived articles when they ask for them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import grpc
import pytest

from helpdesk.v1 import article_pb2, knowledge_service_pb2
from tests.server.knowledge.kb_support import ANONYMOUS, KbCast, KnowledgeStub, Metadata, create_article

P = article_pb2
STATES = ("draft", "published", "archived")
ALL_STATES = [P.ARTICLE_STATE_DRAFT, P.ARTICLE_STATE_PUBLISHED, P.ARTICLE_STATE_ARCHIVED]
CALLERS = ("anonymous", "customer", "agent", "admin")
STAFF = {"agent", "admin"}


@dataclass(frozen=True)
class World:
    """One article per state, all in one category and with one distinctive word."""

    word: str
    category: str
    articles: dict[str, article_pb2.Article]


@pytest.fixture(scope="module")
async def world(kb_stub: KnowledgeStub, cast: KbCast) -> World:
    """A draft, a published and an archived article sharing a unique word and category."""
    word = "zq" + uuid.uuid4().hex[:8]
    category = f"vis-{word}"
    articles = {}
    for state in STATES:
        article = await create_article(
            kb_stub, cast.agent, title=f"{state} {word}", body=f"Body about {word}.", category=category
        )
        if state != "draft":
            article = await kb_stub.PublishArticle(
                knowledge_service_pb2.PublishArticleRequest(id=article.id), metadata=cast.agent.metadata
            )
        if state == "archived":
            article = await kb_stub.UnpublishArticle(
                knowledge_service_pb2.UnpublishArticleRequest(id=article.id, archive=True),
                metadata=cast.agent.metadata,
            )
        articles[state] = article
    return World(word, category, articles)


def _metadata(cast: KbCast, caller: str) -> Metadata:
    return ANONYMOUS if caller == "anonymous" else getattr(cast, caller).metadata


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("state", STATES)
async def test_get(kb_stub: KnowledgeStub, cast: KbCast, world: World, caller: str, state: str) -> None:
    article = world.articles[state]
    for key in (article.id, article.slug):
        request = knowledge_service_pb2.GetArticleRequest(id=key)
        if state == "published" or caller in STAFF:
            assert (await kb_stub.GetArticle(request, metadata=_metadata(cast, caller))).id == article.id
        else:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await kb_stub.GetArticle(request, metadata=_metadata(cast, caller))
            assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def _expected(caller: str, state: str, *, asked_all: bool) -> bool:
    if state == "published":
        return True
    return caller in STAFF and asked_all


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("asked_all", [False, True], ids=["default-states", "all-states"])
async def test_list(kb_stub: KnowledgeStub, cast: KbCast, world: World, caller: str, asked_all: bool) -> None:
    request = knowledge_service_pb2.ListArticlesRequest(category=world.category, states=ALL_STATES if asked_all else [])
    response = await kb_stub.ListArticles(request, metadata=_metadata(cast, caller))
    seen = {a.id for a in response.articles}
    expected = {world.articles[s].id for s in STATES if _expected(caller, s, asked_all=asked_all)}
    assert seen == expected


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("asked_all", [False, True], ids=["default-states", "all-states"])
async def test_search(kb_stub: KnowledgeStub, cast: KbCast, world: World, caller: str, asked_all: bool) -> None:
    request = knowledge_service_pb2.SearchArticlesRequest(query=world.word, states=ALL_STATES if asked_all else [])
    response = await kb_stub.SearchArticles(request, metadata=_metadata(cast, caller))
    seen = {r.article.id for r in response.results}
    expected = {world.articles[s].id for s in STATES if _expected(caller, s, asked_all=asked_all)}
    assert seen == expected


@pytest.mark.parametrize("caller", CALLERS)
async def test_categories(kb_stub: KnowledgeStub, cast: KbCast, world: World, caller: str) -> None:
    hidden = f"hidden-{world.word}"
    await create_article(kb_stub, cast.agent, title="only a draft", category=hidden)
    response = await kb_stub.ListCategories(
        knowledge_service_pb2.ListCategoriesRequest(page_size=200), metadata=_metadata(cast, caller)
    )
    counts = {c.name: c.published_article_count for c in response.categories}
    assert counts[world.category] == 1  # the published one; never the draft or the archived one
    assert hidden not in counts


@pytest.mark.parametrize("caller", ["anonymous", "customer"])
@pytest.mark.parametrize("state", ["draft", "archived"])
async def test_votes_on_hidden_articles_are_not_found(
    kb_stub: KnowledgeStub, cast: KbCast, world: World, caller: str, state: str
) -> None:
    request = knowledge_service_pb2.VoteArticleRequest(id=world.articles[state].id, vote=P.ARTICLE_VOTE_HELPFUL)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await kb_stub.VoteArticle(request, metadata=_metadata(cast, caller))
    expected = grpc.StatusCode.UNAUTHENTICATED if caller == "anonymous" else grpc.StatusCode.NOT_FOUND
    assert caught.value.code() == expected

"""Helpers for knowledge-base tests: a cast of callers and short ways to create and publish articles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from google.protobuf import field_mask_pb2

from helpdesk.v1 import article_pb2, auth_service_pb2_grpc, knowledge_service_pb2, knowledge_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Role
from tests.support import SignedIn, register, sign_in_as

KnowledgeStub: TypeAlias = "knowledge_service_pb2_grpc.KnowledgeServiceAsyncStub"
Metadata: TypeAlias = tuple[tuple[str, str], ...]
ANONYMOUS: Metadata = ()


@dataclass(frozen=True)
class KbCast:
    """A customer, an agent and an administrator, signed in through the API."""

    customer: SignedIn
    agent: SignedIn
    admin: SignedIn


async def make_cast(app: HelpdeskApp, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub) -> KbCast:
    """Signs in one user of each role."""
    return KbCast(
        customer=await register(auth_stub),
        agent=await sign_in_as(app, auth_stub, Role.AGENT),
        admin=await sign_in_as(app, auth_stub, Role.ADMIN),
    )


async def create_article(
    stub: KnowledgeStub,
    who: SignedIn,
    *,
    title: str,
    body: str = "Texto do artigo.",
    category: str = "",
    tags: tuple[str, ...] = (),
    publish: bool = False,
) -> article_pb2.Article:
    """Creates an article as `who` (a staff member) and publishes it if asked."""
    article = await stub.CreateArticle(
        knowledge_service_pb2.CreateArticleRequest(
            article=article_pb2.Article(title=title, body=body, category=category, tags=list(tags))
        ),
        metadata=who.metadata,
    )
    if publish:
        article = await stub.PublishArticle(
            knowledge_service_pb2.PublishArticleRequest(id=article.id), metadata=who.metadata
        )
    return article


async def update_article(
    stub: KnowledgeStub, who: SignedIn, article: article_pb2.Article, paths: list[str], etag: str = ""
) -> article_pb2.Article:
    """Updates the fields in `paths` to `article`'s values."""
    article.etag = etag
    return await stub.UpdateArticle(
        knowledge_service_pb2.UpdateArticleRequest(article=article, update_mask=field_mask_pb2.FieldMask(paths=paths)),
        metadata=who.metadata,
    )


async def search(stub: KnowledgeStub, query: str, metadata: Metadata = ANONYMOUS, **fields: object) -> list[str]:
    """Titles found by a search, best first."""
    response = await stub.SearchArticles(
        knowledge_service_pb2.SearchArticlesRequest(query=query, **fields),  # type: ignore[arg-type]
        metadata=metadata,
    )
    return [result.article.title for result in response.results]

"""KnowledgeService over gRPC: protobuf in, domain call, protobuf out. No SQL, no Redis, no rules here."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import empty_pb2

from helpdesk.v1 import article_pb2, knowledge_service_pb2, knowledge_service_pb2_grpc
from server.core.context import current_principal, require_principal
from server.core.encoded_answers import add_with_encoded_answers
from server.core.update_mask import effective_update_mask
from server.knowledge.convert import SearchAnswers, article_to_proto, is_full, states_from_proto, vote_from_proto
from server.knowledge.domain import UPDATABLE_FIELDS, KnowledgeBase
from server.knowledge.search import ArticleSearch

Context = grpc.aio.ServicerContext[Any, Any]


class KnowledgeServicer(knowledge_service_pb2_grpc.KnowledgeServiceServicer):
    """Transport for the knowledge base."""

    def __init__(self, *, knowledge: KnowledgeBase, search: ArticleSearch) -> None:
        self._knowledge = knowledge
        self._search = search
        self._answers = SearchAnswers()

    async def CreateArticle(
        self, request: knowledge_service_pb2.CreateArticleRequest, context: Context
    ) -> article_pb2.Article:
        """Creates a DRAFT (agents, admins)."""
        article = await self._knowledge.create_article(
            principal=require_principal(),
            title=request.article.title,
            body=request.article.body,
            category=request.article.category,
            tags=list(request.article.tags),
            request_id=request.request_id or None,
        )
        return article_to_proto(article)

    async def GetArticle(
        self, request: knowledge_service_pb2.GetArticleRequest, context: Context
    ) -> article_pb2.Article:
        """One article by id or slug (anyone: published; staff: any)."""
        article = await self._knowledge.get_article(
            principal=current_principal(), id_or_slug=request.id, full=is_full(request.view, default_full=True)
        )
        return article_to_proto(article)

    async def ListArticles(
        self, request: knowledge_service_pb2.ListArticlesRequest, context: Context
    ) -> knowledge_service_pb2.ListArticlesResponse:
        """A filtered, ordered page of articles."""
        articles, next_page_token = await self._search.list_articles(
            principal=current_principal(),
            page_size=request.page_size,
            page_token=request.page_token,
            category=request.category,
            tag=request.tag,
            states=states_from_proto(request.states),
            order_by=request.order_by,
            full=is_full(request.view, default_full=False),
        )
        return knowledge_service_pb2.ListArticlesResponse(
            articles=[article_to_proto(a) for a in articles], next_page_token=next_page_token
        )

    async def SearchArticles(
        self, request: knowledge_service_pb2.SearchArticlesRequest, context: Context
    ) -> knowledge_service_pb2.SearchArticlesResponse:
        """Full-text search, best first, with snippets (the server answers with `search_articles_encoded`)."""
        return knowledge_service_pb2.SearchArticlesResponse.FromString(
            await self.search_articles_encoded(request, context)
        )

    async def search_articles_encoded(
        self, request: knowledge_service_pb2.SearchArticlesRequest, context: Context
    ) -> bytes:
        """SearchArticles' answer already encoded: what the server sends (see `register`)."""
        return await self._search.search(
            principal=current_principal(),
            query=request.query,
            page_size=request.page_size,
            page_token=request.page_token,
            category=request.category,
            tag=request.tag,
            states=states_from_proto(request.states),
            full=is_full(request.view, default_full=False),
            render=self._answers.encode,
        )

    async def UpdateArticle(
        self, request: knowledge_service_pb2.UpdateArticleRequest, context: Context
    ) -> article_pb2.Article:
        """Edits title, body, category or tags (agents, admins)."""
        article = await self._knowledge.update_article(
            article_id=request.article.id,
            update_mask_paths=effective_update_mask(request.update_mask, request.article, UPDATABLE_FIELDS),
            title=request.article.title,
            body=request.article.body,
            category=request.article.category,
            tags=list(request.article.tags),
            etag=request.article.etag or None,
        )
        return article_to_proto(article)

    async def DeleteArticle(
        self, request: knowledge_service_pb2.DeleteArticleRequest, context: Context
    ) -> empty_pb2.Empty:
        """Deletes an article (admins)."""
        await self._knowledge.delete_article(article_id=request.id, etag=request.etag or None)
        return empty_pb2.Empty()

    async def PublishArticle(
        self, request: knowledge_service_pb2.PublishArticleRequest, context: Context
    ) -> article_pb2.Article:
        """Publishes (agents, admins)."""
        return article_to_proto(await self._knowledge.publish_article(article_id=request.id, etag=request.etag or None))

    async def UnpublishArticle(
        self, request: knowledge_service_pb2.UnpublishArticleRequest, context: Context
    ) -> article_pb2.Article:
        """Back to DRAFT or to ARCHIVED (agents, admins)."""
        article = await self._knowledge.unpublish_article(
            article_id=request.id, etag=request.etag or None, archive=request.archive
        )
        return article_to_proto(article)

    async def VoteArticle(
        self, request: knowledge_service_pb2.VoteArticleRequest, context: Context
    ) -> article_pb2.Article:
        """One helpful / not-helpful vote per user."""
        vote = vote_from_proto(request.vote)
        article = await self._knowledge.vote(principal=require_principal(), article_id=request.id, vote=vote)
        return article_to_proto(article)

    async def ListCategories(
        self, request: knowledge_service_pb2.ListCategoriesRequest, context: Context
    ) -> knowledge_service_pb2.ListCategoriesResponse:
        """Categories with published articles and their counts."""
        categories, next_page_token = await self._search.list_categories(
            page_size=request.page_size, page_token=request.page_token
        )
        return knowledge_service_pb2.ListCategoriesResponse(
            categories=[article_pb2.Category(name=n, published_article_count=c) for n, c in categories],
            next_page_token=next_page_token,
        )


def register(servicer: KnowledgeServicer, server: grpc.aio.Server) -> None:
    """Adds the KnowledgeService to `server`, with SearchArticles answering in encoded bytes.

    A page the cache holds is returned as Redis gave it, and a computed one as `SearchAnswers`
    encoded it, without a message for grpc to serialize (`add_with_encoded_answers`).
    """
    add_with_encoded_answers(
        knowledge_service_pb2_grpc.add_KnowledgeServiceServicer_to_server,
        servicer,
        server,
        {"SearchArticles": servicer.search_articles_encoded},
    )

"""KnowledgeService over gRPC: article lifecycle, slugs, etags, lists, categories and votes."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest
from google.rpc import error_details_pb2

from helpdesk.v1 import article_pb2, knowledge_service_pb2
from tests.server.knowledge.kb_support import ANONYMOUS, KbCast, KnowledgeStub, create_article, update_article
from tests.support import bad_fields, error_details

P = article_pb2


def _reason(error: grpc.aio.AioRpcError) -> str:
    return next((d.reason for d in error_details(error) if isinstance(d, error_details_pb2.ErrorInfo)), "")


async def test_create_makes_a_draft_with_a_slug_and_normalised_tags(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    article = await create_article(
        kb_stub, cast.agent, title="  Como redefinir sua senha?  ", category="conta", tags=("Senha", "conta", "senha")
    )
    assert article.state == P.ARTICLE_STATE_DRAFT
    assert article.title == "Como redefinir sua senha?"
    assert article.slug.startswith("como-redefinir-sua-senha")
    assert list(article.tags) == ["conta", "senha"]
    assert article.author_id == cast.agent.user_id
    assert article.author_display_name
    assert not article.HasField("publish_time")
    assert article.etag


async def test_slugs_are_unique_and_stable(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    first = await create_article(kb_stub, cast.agent, title="Configuração de Notificações")
    second = await create_article(kb_stub, cast.agent, title="Configuração de notificações")
    assert first.slug == "configuracao-de-notificacoes"
    assert second.slug == "configuracao-de-notificacoes-2"
    first.title = "Outro título"
    updated = await update_article(kb_stub, cast.agent, first, ["title"])
    assert updated.slug == first.slug


async def test_create_validates_fields(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await kb_stub.CreateArticle(
            knowledge_service_pb2.CreateArticleRequest(
                article=P.Article(title=" ", body="", tags=["no spaces allowed"], category="x" * 65)
            ),
            metadata=cast.agent.metadata,
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(caught.value) == {"article.title", "article.body", "article.tags", "article.category"}


async def test_create_is_idempotent_with_request_id(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    request = knowledge_service_pb2.CreateArticleRequest(
        article=P.Article(title="Idempotent", body="b"), request_id=str(uuid.uuid4())
    )
    first, second = await asyncio.gather(
        kb_stub.CreateArticle(request, metadata=cast.agent.metadata),
        kb_stub.CreateArticle(request, metadata=cast.agent.metadata),
    )
    assert first.id == second.id


async def test_publish_stamps_publish_time_once(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    article = await create_article(kb_stub, cast.agent, title="Publish me")
    published = await kb_stub.PublishArticle(
        knowledge_service_pb2.PublishArticleRequest(id=article.id, etag=article.etag), metadata=cast.agent.metadata
    )
    assert published.state == P.ARTICLE_STATE_PUBLISHED
    stamp = published.publish_time.ToDatetime()
    again = await kb_stub.PublishArticle(
        knowledge_service_pb2.PublishArticleRequest(id=article.id), metadata=cast.agent.metadata
    )
    assert again.etag == published.etag  # unchanged
    draft = await kb_stub.UnpublishArticle(
        knowledge_service_pb2.UnpublishArticleRequest(id=article.id), metadata=cast.agent.metadata
    )
    assert draft.state == P.ARTICLE_STATE_DRAFT
    archived = await kb_stub.UnpublishArticle(
        knowledge_service_pb2.UnpublishArticleRequest(id=article.id, archive=True), metadata=cast.agent.metadata
    )
    assert archived.state == P.ARTICLE_STATE_ARCHIVED
    republished = await kb_stub.PublishArticle(
        knowledge_service_pb2.PublishArticleRequest(id=article.id), metadata=cast.admin.metadata
    )
    assert republished.publish_time.ToDatetime() == stamp


async def test_stale_etag_is_aborted(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    article = await create_article(kb_stub, cast.agent, title="Etag")
    stale = article.etag
    article.body = "new body"
    updated = await update_article(kb_stub, cast.agent, article, ["body"], etag=stale)
    assert updated.etag != stale
    for call in (
        update_article(kb_stub, cast.agent, updated, ["body"], etag=stale),
        kb_stub.PublishArticle(
            knowledge_service_pb2.PublishArticleRequest(id=article.id, etag=stale), metadata=cast.agent.metadata
        ),
        kb_stub.DeleteArticle(
            knowledge_service_pb2.DeleteArticleRequest(id=article.id, etag=stale), metadata=cast.admin.metadata
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call
        assert caught.value.code() == grpc.StatusCode.ABORTED
        assert _reason(caught.value) == "ETAG_MISMATCH"


async def test_update_needs_a_mask_of_known_fields(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    article = await create_article(kb_stub, cast.agent, title="Mask")
    for paths in (["slug"], ["state"]):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await update_article(kb_stub, cast.agent, article, paths)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "update_mask" in bad_fields(caught.value)
    # No mask and nothing updatable set: the caller is told to name the fields.
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await update_article(kb_stub, cast.agent, article_pb2.Article(id=article.id, slug="other"), [])
    assert bad_fields(caught.value) == {"update_mask"}


async def test_update_without_a_mask_changes_the_fields_set(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    article = await create_article(kb_stub, cast.agent, title="Implied", body="original", tags=("a",))
    updated = await update_article(kb_stub, cast.agent, article_pb2.Article(id=article.id, body="edited"), [])
    assert (updated.title, updated.body, list(updated.tags)) == ("Implied", "edited", ["a"])


async def test_update_changes_only_masked_fields(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    article = await create_article(kb_stub, cast.agent, title="Masked", body="original", tags=("a",))
    article.title = "ignored"
    article.body = "edited"
    article.ClearField("tags")
    updated = await update_article(kb_stub, cast.agent, article, ["body", "tags"])
    assert (updated.title, updated.body, list(updated.tags)) == ("Masked", "edited", [])


async def test_get_by_id_or_slug_and_views(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    article = await create_article(kb_stub, cast.agent, title="Get me by slug", body="the body", publish=True)
    by_id = await kb_stub.GetArticle(knowledge_service_pb2.GetArticleRequest(id=article.id))
    by_slug = await kb_stub.GetArticle(knowledge_service_pb2.GetArticleRequest(id=article.slug))
    assert by_id.id == by_slug.id == article.id
    assert by_slug.body == "the body"
    basic = await kb_stub.GetArticle(
        knowledge_service_pb2.GetArticleRequest(id=article.slug, view=P.ARTICLE_VIEW_BASIC)
    )
    assert basic.body == ""
    for missing in (str(uuid.uuid4()), "no-such-slug", "Not A Slug!"):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await kb_stub.GetArticle(knowledge_service_pb2.GetArticleRequest(id=missing))
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_delete_is_for_admins_and_removes_the_article(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    article = await create_article(kb_stub, cast.agent, title="Delete me", publish=True)
    await kb_stub.GetArticle(knowledge_service_pb2.GetArticleRequest(id=article.slug))  # cached now
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await kb_stub.DeleteArticle(
            knowledge_service_pb2.DeleteArticleRequest(id=article.id), metadata=cast.agent.metadata
        )
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    await kb_stub.DeleteArticle(knowledge_service_pb2.DeleteArticleRequest(id=article.id), metadata=cast.admin.metadata)
    for key in (article.id, article.slug):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await kb_stub.GetArticle(knowledge_service_pb2.GetArticleRequest(id=key), metadata=cast.admin.metadata)
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_customers_cannot_write(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await create_article(kb_stub, cast.customer, title="Nope")
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_one_vote_per_user(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    article = await create_article(kb_stub, cast.agent, title="Vote on me", publish=True)

    async def vote(who: tuple[tuple[str, str], ...], verdict: P.ArticleVote.ValueType) -> P.Article:
        return await kb_stub.VoteArticle(
            knowledge_service_pb2.VoteArticleRequest(id=article.id, vote=verdict), metadata=who
        )

    results = await asyncio.gather(*(vote(cast.customer.metadata, P.ARTICLE_VOTE_HELPFUL) for _ in range(5)))
    assert results[-1].body == ""
    counts = await vote(cast.customer.metadata, P.ARTICLE_VOTE_HELPFUL)
    assert (counts.helpful_count, counts.not_helpful_count) == (1, 0)
    counts = await vote(cast.customer.metadata, P.ARTICLE_VOTE_NOT_HELPFUL)
    assert (counts.helpful_count, counts.not_helpful_count) == (0, 1)
    counts = await vote(cast.agent.metadata, P.ARTICLE_VOTE_HELPFUL)
    assert (counts.helpful_count, counts.not_helpful_count) == (1, 1)
    assert counts.etag == article.etag  # counters do not change the etag

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await vote(ANONYMOUS, P.ARTICLE_VOTE_HELPFUL)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await vote(cast.customer.metadata, P.ARTICLE_VOTE_UNSPECIFIED)
    assert bad_fields(caught.value) == {"vote"}


async def test_votes_on_drafts(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    draft = await create_article(kb_stub, cast.agent, title="Draft vote")
    request = knowledge_service_pb2.VoteArticleRequest(id=draft.id, vote=P.ARTICLE_VOTE_HELPFUL)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await kb_stub.VoteArticle(request, metadata=cast.customer.metadata)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await kb_stub.VoteArticle(request, metadata=cast.agent.metadata)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert _reason(caught.value) == "ARTICLE_NOT_PUBLISHED"


async def test_list_orders_filters_and_pages(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    category = f"list-{uuid.uuid4().hex[:6]}"
    titles = ["Charlie", "alpha", "Bravo", "delta", "Echo"]
    for title in titles:
        await create_article(kb_stub, cast.agent, title=title, category=category, tags=("x",), publish=True)
    await create_article(kb_stub, cast.agent, title="Zulu draft", category=category)

    async def all_pages(order_by: str, size: int, **extra: object) -> list[str]:
        seen: list[str] = []
        token = ""
        while True:
            page = await kb_stub.ListArticles(
                knowledge_service_pb2.ListArticlesRequest(
                    category=category,
                    order_by=order_by,
                    page_size=size,
                    page_token=token,
                    **extra,  # type: ignore[arg-type]
                ),
                metadata=cast.agent.metadata,
            )
            seen += [a.title for a in page.articles]
            assert all(a.body == "" for a in page.articles)
            token = page.next_page_token
            if not token:
                return seen

    assert await all_pages("title", 2) == sorted(titles)
    assert await all_pages("title desc", 3) == sorted(titles, reverse=True)
    assert await all_pages("create_time", 2) == titles
    assert await all_pages("", 2) == list(reversed(titles))  # update_time desc
    assert "Zulu draft" in await all_pages("title", 10, states=[P.ARTICLE_STATE_DRAFT, P.ARTICLE_STATE_PUBLISHED])

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await kb_stub.ListArticles(knowledge_service_pb2.ListArticlesRequest(order_by="slug"))
    assert bad_fields(caught.value) == {"order_by"}
    first = await kb_stub.ListArticles(knowledge_service_pb2.ListArticlesRequest(category=category, page_size=1))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await kb_stub.ListArticles(
            knowledge_service_pb2.ListArticlesRequest(category="other", page_size=1, page_token=first.next_page_token)
        )
    assert bad_fields(caught.value) == {"page_token"}


async def test_popular_first(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    category = f"pop-{uuid.uuid4().hex[:6]}"
    quiet = await create_article(kb_stub, cast.agent, title="Quiet", category=category, publish=True)
    busy = await create_article(kb_stub, cast.agent, title="Busy", category=category, publish=True)
    for _ in range(3):
        await kb_stub.GetArticle(knowledge_service_pb2.GetArticleRequest(id=busy.id))
    await kb_stub.GetArticle(knowledge_service_pb2.GetArticleRequest(id=quiet.id))
    # Views reach PostgreSQL with the next flush (every couple of seconds).
    for _ in range(100):
        page = await kb_stub.ListArticles(
            knowledge_service_pb2.ListArticlesRequest(category=category, order_by="view_count desc")
        )
        if [a.view_count for a in page.articles] == [3, 1]:
            break
        await asyncio.sleep(0.1)
    assert [(a.title, a.view_count) for a in page.articles] == [("Busy", 3), ("Quiet", 1)]


async def test_categories_count_published_articles(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    name = f"cat-{uuid.uuid4().hex[:6]}"
    await create_article(kb_stub, cast.agent, title="One", category=name, publish=True)
    await create_article(kb_stub, cast.agent, title="Two", category=name, publish=True)
    await create_article(kb_stub, cast.agent, title="Draft", category=name)
    drafts_only = f"drafts-{uuid.uuid4().hex[:6]}"
    await create_article(kb_stub, cast.agent, title="Hidden", category=drafts_only)
    names: dict[str, int] = {}
    token = ""
    while True:
        page = await kb_stub.ListCategories(knowledge_service_pb2.ListCategoriesRequest(page_size=2, page_token=token))
        names.update({c.name: c.published_article_count for c in page.categories})
        token = page.next_page_token
        if not token:
            break
    assert names[name] == 2
    assert drafts_only not in names
    assert list(names) == sorted(names)

"""SearchArticles over gRPC: Portuguese and English, ranking, snippets, paging, errors, cache invalidation."""

from __future__ import annotations

import uuid

import grpc
import pytest

from helpdesk.v1 import article_pb2, knowledge_service_pb2
from server.app import HelpdeskApp
from tests.server.knowledge.kb_support import KbCast, KnowledgeStub, create_article, search, update_article
from tests.support import bad_fields


@pytest.fixture(scope="module")
async def corpus(kb_stub: KnowledgeStub, cast: KbCast) -> dict[str, article_pb2.Article]:
    """A small published corpus in Portuguese and English, plus a draft."""
    items = {
        "senha": ("Como redefinir sua senha", "Na página de login, clique em Esqueci minha senha.", "conta", ()),
        "config": ("Configuração de notificações", "Ajuste as configurações de e-mail <b>aqui</b>.", "conta", ()),
        "reset": ("Reset your password", "Use the sign-in page & follow the emailed link.", "account", ("login",)),
        "body": ("Billing overview", "Invoices never need your password.", "billing", ()),
    }
    corpus = {}
    for key, (title, body, category, tags) in items.items():
        corpus[key] = await create_article(
            kb_stub, cast.agent, title=title, body=body, category=category, tags=tags, publish=True
        )
    corpus["draft"] = await create_article(kb_stub, cast.agent, title="Senha do rascunho secreto")
    return corpus


@pytest.mark.parametrize("query", ["senha", "SENHA", "redefinição", "redefinir senha"])
async def test_portuguese_queries_find_the_password_article(
    kb_stub: KnowledgeStub, corpus: dict[str, article_pb2.Article], query: str
) -> None:
    assert (await search(kb_stub, query))[0] == "Como redefinir sua senha"


async def test_accent_folding_and_english(kb_stub: KnowledgeStub, corpus: dict[str, article_pb2.Article]) -> None:
    assert await search(kb_stub, "configuracao") == ["Configuração de notificações"]
    assert await search(kb_stub, "notificacoes") == ["Configuração de notificações"]
    assert (await search(kb_stub, "passwords"))[:2] == ["Reset your password", "Billing overview"]


async def test_drafts_never_show_to_the_public(kb_stub: KnowledgeStub, corpus: dict[str, article_pb2.Article]) -> None:
    assert "Senha do rascunho secreto" not in await search(kb_stub, "rascunho senha")
    assert await search(kb_stub, "rascunho") == []


async def test_snippet_marks_matches_and_escapes_html(
    kb_stub: KnowledgeStub, corpus: dict[str, article_pb2.Article]
) -> None:
    response = await kb_stub.SearchArticles(knowledge_service_pb2.SearchArticlesRequest(query="configuracao"))
    (result,) = response.results
    assert "<mark>configurações</mark>" in result.snippet
    assert "<b>" not in result.snippet  # markup in the body never reaches the snippet as markup
    (reset,) = (await kb_stub.SearchArticles(knowledge_service_pb2.SearchArticlesRequest(query="emailed"))).results
    assert "page &amp; follow" in reset.snippet
    assert result.article.body == ""  # BASIC by default
    full = await kb_stub.SearchArticles(
        knowledge_service_pb2.SearchArticlesRequest(query="configuracao", view=article_pb2.ARTICLE_VIEW_FULL)
    )
    assert full.results[0].article.body.startswith("Ajuste")


async def test_filters(kb_stub: KnowledgeStub, corpus: dict[str, article_pb2.Article]) -> None:
    assert await search(kb_stub, "password", category="billing") == ["Billing overview"]
    assert await search(kb_stub, "password", tag="login") == ["Reset your password"]


@pytest.mark.parametrize("query", ["", "   ", "\t\n"])
async def test_empty_query_is_invalid(kb_stub: KnowledgeStub, query: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await search(kb_stub, query)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(caught.value) == {"query"}


@pytest.mark.parametrize("query", ["the", "o de a", "and or the"])
async def test_stop_words_only_give_an_empty_page(kb_stub: KnowledgeStub, query: str) -> None:
    response = await kb_stub.SearchArticles(knowledge_service_pb2.SearchArticlesRequest(query=query))
    assert list(response.results) == []
    assert response.next_page_token == ""


async def test_paging(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    word = "pg" + uuid.uuid4().hex[:8]
    for i in range(5):
        await create_article(kb_stub, cast.agent, title=f"Page {i} {word}", publish=True)
    seen: list[str] = []
    token = ""
    while True:
        response = await kb_stub.SearchArticles(
            knowledge_service_pb2.SearchArticlesRequest(query=word, page_size=2, page_token=token)
        )
        seen += [r.article.id for r in response.results]
        token = response.next_page_token
        if not token:
            break
    assert len(seen) == len(set(seen)) == 5
    first = await kb_stub.SearchArticles(knowledge_service_pb2.SearchArticlesRequest(query=word, page_size=2))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await kb_stub.SearchArticles(
            knowledge_service_pb2.SearchArticlesRequest(query="other", page_size=2, page_token=first.next_page_token)
        )
    assert bad_fields(caught.value) == {"page_token"}


async def test_an_edit_shows_in_the_very_next_search(app: HelpdeskApp, kb_stub: KnowledgeStub, cast: KbCast) -> None:
    assert app.knowledge is not None
    assert app.knowledge.cache.enabled
    old, new = "ol" + uuid.uuid4().hex[:8], "nw" + uuid.uuid4().hex[:8]
    article = await create_article(kb_stub, cast.agent, title=f"Cached {old}", publish=True)
    assert await search(kb_stub, old) == [f"Cached {old}"]  # cached now
    assert await search(kb_stub, new) == []  # the miss is cached too
    got = await kb_stub.GetArticle(knowledge_service_pb2.GetArticleRequest(id=article.slug))  # cached read

    got.title = f"Edited {new}"
    await update_article(kb_stub, cast.agent, got, ["title"])
    assert await search(kb_stub, old) == []
    assert await search(kb_stub, new) == [f"Edited {new}"]
    reread = await kb_stub.GetArticle(knowledge_service_pb2.GetArticleRequest(id=article.slug))
    assert reread.title == f"Edited {new}"

    await kb_stub.UnpublishArticle(
        knowledge_service_pb2.UnpublishArticleRequest(id=article.id), metadata=cast.agent.metadata
    )
    assert await search(kb_stub, new) == []
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await kb_stub.GetArticle(knowledge_service_pb2.GetArticleRequest(id=article.slug))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_an_answer_is_protobufs_own_encoding_of_what_it_says(
    channel: grpc.aio.Channel, kb_stub: KnowledgeStub, cast: KbCast
) -> None:
    """The answer's bytes are what protobuf itself writes for the message they hold, whatever the lengths."""
    word = "en" + uuid.uuid4().hex[:8]
    # Bodies whose lengths take one, two and three bytes to write (FULL answers carry them).
    for size in (20, 2_000, 20_000):
        body = f"{word} " + "palavra " * (size // 8)
        await create_article(kb_stub, cast.agent, title=f"Encoded {size} {word}", body=body, publish=True)
    raw: grpc.aio.UnaryUnaryMultiCallable[knowledge_service_pb2.SearchArticlesRequest, bytes] = channel.unary_unary(
        "/helpdesk.v1.KnowledgeService/SearchArticles",
        request_serializer=knowledge_service_pb2.SearchArticlesRequest.SerializeToString,
        response_deserializer=None,
    )
    for view in (article_pb2.ARTICLE_VIEW_BASIC, article_pb2.ARTICLE_VIEW_FULL):
        for page_size in (2, 10):
            answer = await raw(knowledge_service_pb2.SearchArticlesRequest(query=word, view=view, page_size=page_size))
            message = knowledge_service_pb2.SearchArticlesResponse.FromString(answer)
            assert len(message.results) == min(page_size, 3)
            assert bool(message.next_page_token) == (page_size == 2)
            assert all(word in result.snippet for result in message.results)
            assert answer == message.SerializeToString()


async def test_counts_changed_since_an_article_was_last_found_show_in_the_next_search(
    kb_stub: KnowledgeStub, cast: KbCast
) -> None:
    """A vote changes no article version, yet the next search (another query: not a cached page) shows it."""
    word = "vc" + uuid.uuid4().hex[:8]
    article = await create_article(kb_stub, cast.agent, title=f"Voted {word}", publish=True)
    before = await kb_stub.SearchArticles(knowledge_service_pb2.SearchArticlesRequest(query=word))
    assert [r.article.helpful_count for r in before.results] == [0]

    await kb_stub.VoteArticle(
        knowledge_service_pb2.VoteArticleRequest(id=article.id, vote=article_pb2.ARTICLE_VOTE_HELPFUL),
        metadata=cast.customer.metadata,
    )
    after = await kb_stub.SearchArticles(knowledge_service_pb2.SearchArticlesRequest(query=f"{word} -zz{word}"))
    assert [(r.article.id, r.article.helpful_count, r.article.etag) for r in after.results] == [
        (article.id, 1, article.etag)
    ]


async def test_an_excluded_word_is_never_marked(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    """`-config` excludes the articles holding the word `config`, and marks nothing (not `configurações`)."""
    word = "ex" + uuid.uuid4().hex[:8]
    await create_article(
        kb_stub, cast.agent, title=f"Aviso {word}", body=f"Ajuste as configurações do {word} aqui.", publish=True
    )
    response = await kb_stub.SearchArticles(knowledge_service_pb2.SearchArticlesRequest(query=f"{word} -config"))
    assert [r.snippet for r in response.results] == [f"Ajuste as configurações do <mark>{word}</mark> aqui."]


async def test_a_repeated_request_is_answered_for_every_field_it_names(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    word = "rq" + uuid.uuid4().hex[:8]
    await create_article(
        kb_stub, cast.agent, title=f"Alpha {word}", body="Corpo A.", category="ka", tags=("ta",), publish=True
    )
    await create_article(
        kb_stub, cast.agent, title=f"Beta {word}", body="Corpo B.", category="kb", tags=("tb",), publish=True
    )
    await create_article(kb_stub, cast.agent, title=f"Gamma {word}", body="Corpo C.", category="ka")
    drafts = [article_pb2.ARTICLE_STATE_DRAFT]
    first = await kb_stub.SearchArticles(knowledge_service_pb2.SearchArticlesRequest(query=word, page_size=1))
    second_page = {"page_size": 1, "page_token": first.next_page_token}
    expected: list[tuple[dict[str, object], tuple[tuple[str, str], ...], set[str]]] = [
        ({}, (), {f"Alpha {word}", f"Beta {word}"}),
        ({"category": "ka"}, (), {f"Alpha {word}"}),
        ({"tag": "tb"}, (), {f"Beta {word}"}),
        ({"page_size": 1}, (), {first.results[0].article.title}),
        (second_page, (), {f"Alpha {word}", f"Beta {word}"} - {first.results[0].article.title}),
        ({"states": drafts}, cast.agent.metadata, {f"Gamma {word}"}),
        ({"states": drafts}, cast.customer.metadata, set()),
        ({"states": drafts}, (), set()),
    ]
    views = {article_pb2.ARTICLE_VIEW_BASIC: {""}, article_pb2.ARTICLE_VIEW_FULL: {"Corpo A.", "Corpo B."}}
    # Each request twice in a row (the second is answered from what the first left), then all again.
    for _ in range(2):
        for fields, metadata, titles in expected:
            for _ in range(2):
                assert set(await search(kb_stub, word, metadata, **fields)) == titles, fields
        for view, bodies in views.items():
            for _ in range(2):
                answer = await kb_stub.SearchArticles(
                    knowledge_service_pb2.SearchArticlesRequest(query=word, view=view)
                )
                assert {result.article.body for result in answer.results} == bodies, view


async def test_a_refused_request_is_refused_each_time_it_comes(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    word = "rf" + uuid.uuid4().hex[:8]
    for i in range(3):
        await create_article(kb_stub, cast.agent, title=f"Item {i} {word}", publish=True)
    first = await kb_stub.SearchArticles(knowledge_service_pb2.SearchArticlesRequest(query=word, page_size=1))
    assert first.next_page_token
    # Each refused request comes again after the same query without its bad field was answered.
    refused = [
        ({"query": "other", "page_size": 1, "page_token": first.next_page_token}, {"page_token"}),
        ({"query": "   ", "page_size": 1}, {"query"}),
        ({"query": word, "page_size": -1}, {"page_size"}),
        ({"query": word, "category": "a\x00b", "tag": "x\x00"}, {"category", "tag"}),
    ]
    for _ in range(3):
        await kb_stub.SearchArticles(knowledge_service_pb2.SearchArticlesRequest(query="other", page_size=1))
        for fields, bad in refused:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await kb_stub.SearchArticles(knowledge_service_pb2.SearchArticlesRequest(**fields))  # type: ignore[arg-type]
            assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert bad_fields(caught.value) == bad

"""KnowledgeService through Envoy's JSON transcoding: an anonymous visitor reads and searches the help centre."""

from __future__ import annotations

import asyncio
import urllib.parse
import uuid
from collections.abc import AsyncIterator

import grpc.aio
import pytest

from helpdesk.v1 import auth_service_pb2_grpc, knowledge_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Role
from tests.gateway.wire import HttpResponse, http_request
from tests.server.knowledge.kb_support import create_article
from tests.support import sign_in_as


@pytest.fixture(scope="module")
async def channel(app: HelpdeskApp) -> AsyncIterator[grpc.aio.Channel]:
    """A native channel to the module's server (for setting articles up)."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as chan:
        yield chan


async def _get(gateway: str, path: str) -> HttpResponse:
    return await asyncio.to_thread(http_request, "GET", gateway + path)


async def test_anonymous_json_search_get_and_categories(
    app: HelpdeskApp, channel: grpc.aio.Channel, gateway: str
) -> None:
    agent = await sign_in_as(app, auth_service_pb2_grpc.AuthServiceStub(channel), Role.AGENT)
    stub = knowledge_service_pb2_grpc.KnowledgeServiceStub(channel)
    word = "gw" + uuid.uuid4().hex[:6]
    published = await create_article(
        stub,
        agent,
        title=f"Como redefinir sua senha {word}",
        body="Clique em <b>Esqueci minha senha</b> & siga o link.",
        category="conta",
        publish=True,
    )
    await create_article(stub, agent, title=f"Rascunho senha {word}", category="rascunhos")

    query = urllib.parse.quote(f"SENHA {word}")
    response = await _get(gateway, f"/v1/articles:search?query={query}&pageSize=5")
    assert response.status == 200, response.body
    results = response.json()["results"]
    assert [r["article"]["title"] for r in results] == [published.title]
    assert results[0]["article"]["state"] == "ARTICLE_STATE_PUBLISHED"
    assert results[0]["article"].get("body", "") == ""  # BASIC view
    snippet = results[0]["snippet"]
    assert "<mark>senha</mark>" in snippet
    assert "&amp; siga" in snippet
    assert "<b>" not in snippet

    by_slug = await _get(gateway, f"/v1/articles/{published.slug}")
    assert by_slug.status == 200
    assert by_slug.json()["body"].startswith("Clique")

    empty = await _get(gateway, "/v1/articles:search?query=%20%20")
    assert empty.status == 400
    assert "query" in empty.body.decode()

    categories = (await _get(gateway, "/v1/categories")).json()["categories"]
    assert "rascunhos" not in {c["name"] for c in categories}
    assert {"name": "conta", "publishedArticleCount": 1} in categories

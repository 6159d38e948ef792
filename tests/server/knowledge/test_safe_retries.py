"""Publishing an article that is already published (a retry) answers it unchanged, whatever the etag."""

from __future__ import annotations

from helpdesk.v1 import knowledge_service_pb2
from tests.server.knowledge.kb_support import KbCast, KnowledgeStub, create_article


async def test_a_retried_publish_answers_the_article_unchanged(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    draft = await create_article(kb_stub, cast.agent, title="Resetting a password")
    request = knowledge_service_pb2.PublishArticleRequest(id=draft.id, etag=draft.etag)
    first = await kb_stub.PublishArticle(request, metadata=cast.agent.metadata)
    assert first.etag != draft.etag

    retried = await kb_stub.PublishArticle(request, metadata=cast.agent.metadata)

    assert retried.etag == first.etag
    assert retried.publish_time == first.publish_time
    assert retried.state == first.state

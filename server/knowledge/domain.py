"""Articles: create (idempotently), edit, publish, unpublish, delete, read (by id or slug), vote.

Transport-free. Roles per RPC are enforced by the AccessInterceptor; the object-level rule lives
here: anonymous callers and customers see PUBLISHED articles only, and for them any other article
does not exist (NotFound, never PermissionDenied). Every write invalidates the cache after commit.
"""

from __future__ import annotations

import enum
import logging
import re
import uuid
from collections.abc import Sequence

from server.core.context import Principal
from server.core.errors import Aborted, FailedPrecondition, InvalidArgument, NotFound
from server.core.validation import FieldChecks, check_tags
from server.knowledge.cache import KnowledgeCache
from server.knowledge.records import ArticleData
from server.knowledge.slugs import first_free_slug, looks_like_uuid, slugify
from server.knowledge.validation import check_body, check_category, check_title
from server.knowledge.view_counter import ViewCounter
from storage.db import Database
from storage.etags import etag_matches
from storage.models import Article, ArticleState
from storage.unit_of_work import UnitOfWork

_log = logging.getLogger(__name__)

CREATE_ARTICLE_SCOPE = "helpdesk.v1.KnowledgeService/CreateArticle"
UPDATABLE_FIELDS = ("title", "body", "category", "tags")
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_SLUG_ATTEMPTS = 5


class Vote(enum.Enum):
    """A reader's verdict."""

    HELPFUL = True
    NOT_HELPFUL = False


def can_see_unpublished(principal: Principal | None) -> bool:
    """Agents and administrators see drafts and archived articles; nobody else does."""
    return principal is not None and principal.is_staff


def parse_article_id(value: str, *, field: str = "id") -> uuid.UUID:
    """An article id; InvalidArgument on `field` unless it is a UUID."""
    if not value:
        raise InvalidArgument.field(field, "is required")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument.field(field, "is not a valid article id (a UUID)") from None


def _check_etag(etag: str | None, article: Article) -> None:
    if etag and not etag_matches(etag, article.version):
        raise Aborted("the article was changed since it was read; read it again and retry", reason="ETAG_MISMATCH")


class KnowledgeBase:
    """Article commands and reads over PostgreSQL, with the Redis cache and view counter beside them."""

    def __init__(self, *, database: Database, cache: KnowledgeCache, views: ViewCounter) -> None:
        self._database = database
        self._cache = cache
        self._views = views

    # ---- commands ----------------------------------------------------------------------------

    async def create_article(
        self,
        *,
        principal: Principal,
        title: str,
        body: str,
        category: str,
        tags: Sequence[str],
        request_id: str | None,
    ) -> ArticleData:
        """Creates a DRAFT with a unique slug derived from the title; a retried `request_id` returns it."""
        checks = FieldChecks()
        clean_title = checks.run(lambda: check_title(title))
        clean_body = checks.run(lambda: check_body(body))
        clean_category = checks.run(lambda: check_category(category))
        clean_tags = checks.run(lambda: tuple(check_tags(tags, field="article.tags")))
        if request_id:
            checks.run(lambda: _check_request_id(request_id))
        checks.raise_if_any()
        assert clean_title is not None
        assert clean_body is not None
        assert clean_category is not None
        assert clean_tags is not None

        article_id = uuid.uuid4()
        async with self._database.unit_of_work() as uow:
            if request_id:
                earlier = await uow.idempotency.get(scope=CREATE_ARTICLE_SCOPE, request_id=request_id)
                if earlier is None and not await uow.idempotency.put(
                    scope=CREATE_ARTICLE_SCOPE, request_id=request_id, resource_id=str(article_id)
                ):
                    earlier = await uow.idempotency.get(scope=CREATE_ARTICLE_SCOPE, request_id=request_id)
                if earlier is not None:
                    row = await uow.articles.get(article_id=uuid.UUID(earlier))
                    if row is None:
                        raise NotFound("the article created with this request_id was deleted")
                    return ArticleData.from_row(row)
            article = await self._insert_with_free_slug(
                uow,
                article_id=article_id,
                title=clean_title,
                body=clean_body,
                category=clean_category,
                tags=clean_tags,
                author_id=principal.user_id,
            )
            data = ArticleData.from_model(
                article, author_display_name=await uow.articles.author_name(user_id=principal.user_id)
            )
            uow.after_commit(lambda: self._invalidate(article.id))
        _log.info("article %s created as %s", data.id, data.slug)
        return data

    async def _insert_with_free_slug(
        self,
        uow: UnitOfWork,
        *,
        article_id: uuid.UUID,
        title: str,
        body: str,
        category: str,
        tags: Sequence[str],
        author_id: uuid.UUID,
    ) -> Article:
        base = slugify(title)
        for _ in range(_SLUG_ATTEMPTS):
            slug = first_free_slug(base, await uow.articles.slugs_starting_with(base=base))
            article = await uow.articles.add(
                article_id=article_id,
                slug=slug,
                title=title,
                body=body,
                category=category,
                tags=tags,
                author_id=author_id,
            )
            if article is not None:
                return article
        # Concurrent creates kept taking the same slug: a random suffix ends the race.
        slug = f"{base[:70]}-{uuid.uuid4().hex[:8]}"
        article = await uow.articles.add(
            article_id=article_id, slug=slug, title=title, body=body, category=category, tags=tags, author_id=author_id
        )
        if article is None:
            raise Aborted("could not allocate a unique slug; retry", reason="SLUG_CONFLICT")
        return article

    async def update_article(
        self,
        *,
        article_id: str,
        update_mask_paths: Sequence[str],
        title: str,
        body: str,
        category: str,
        tags: Sequence[str],
        etag: str | None,
    ) -> ArticleData:
        """Edits the fields named in the mask (`tags` replaces the list). The slug never changes."""
        parsed = parse_article_id(article_id, field="article.id")
        checks = FieldChecks()
        paths = checks.update_mask(update_mask_paths, UPDATABLE_FIELDS)
        new_title = checks.run(lambda: check_title(title)) if "title" in paths else None
        new_body = checks.run(lambda: check_body(body)) if "body" in paths else None
        new_category = checks.run(lambda: check_category(category)) if "category" in paths else None
        new_tags = checks.run(lambda: tuple(check_tags(tags, field="article.tags"))) if "tags" in paths else None
        checks.raise_if_any()

        async with self._database.unit_of_work() as uow:
            article = await uow.articles.get_for_update(article_id=parsed)
            if article is None:
                raise NotFound("article not found")
            _check_etag(etag, article)
            title_change = new_title if new_title is not None and new_title != article.title else None
            body_change = new_body if new_body is not None and new_body != article.body else None
            category_change = new_category if new_category is not None and new_category != article.category else None
            tags_change = new_tags if new_tags is not None and list(new_tags) != list(article.tags) else None
            if title_change is None and body_change is None and category_change is None and tags_change is None:
                return await self._data(uow, article)
            updated = await uow.articles.update_content(
                article_id=parsed, title=title_change, body=body_change, category=category_change, tags=tags_change
            )
            if updated is None:
                raise NotFound("article not found")
            uow.after_commit(lambda: self._invalidate(parsed))
            return await self._data(uow, updated)

    async def publish_article(self, *, article_id: str, etag: str | None) -> ArticleData:
        """Makes the article PUBLISHED (publish_time stamped the first time); idempotent."""
        return await self._move(article_id=article_id, etag=etag, target=ArticleState.PUBLISHED)

    async def unpublish_article(self, *, article_id: str, etag: str | None, archive: bool) -> ArticleData:
        """Back to DRAFT, or to ARCHIVED with `archive`; asking for the current state changes nothing."""
        target = ArticleState.ARCHIVED if archive else ArticleState.DRAFT
        return await self._move(article_id=article_id, etag=etag, target=target)

    async def _move(self, *, article_id: str, etag: str | None, target: ArticleState) -> ArticleData:
        parsed = parse_article_id(article_id)
        async with self._database.unit_of_work() as uow:
            article = await uow.articles.get_for_update(article_id=parsed)
            if article is None:
                raise NotFound("article not found")
            # Already there: a retry whose first attempt succeeded (and changed the etag) gets the
            # article unchanged, not ABORTED; nothing changes, so nothing can be lost.
            if article.state == target.value:
                return await self._data(uow, article)
            _check_etag(etag, article)
            moved = await uow.articles.set_state(article_id=parsed, state=target)
            if moved is None:
                raise NotFound("article not found")
            uow.after_commit(lambda: self._invalidate(parsed))
            _log.info("article %s: %s -> %s", parsed, article.state, target.value)
            return await self._data(uow, moved)

    async def delete_article(self, *, article_id: str, etag: str | None) -> None:
        """Deletes the article and its votes for good."""
        parsed = parse_article_id(article_id)
        async with self._database.unit_of_work() as uow:
            article = await uow.articles.get_for_update(article_id=parsed)
            if article is None:
                raise NotFound("article not found")
            _check_etag(etag, article)
            slug = article.slug
            await uow.articles.delete(article_id=parsed)

            async def forget() -> None:
                await self._invalidate(parsed)
                await self._cache.forget_slug(slug)

            uow.after_commit(forget)
        _log.info("article %s deleted", parsed)

    async def vote(self, *, principal: Principal, article_id: str, vote: Vote) -> ArticleData:
        """Records the caller's verdict: one vote per user; a changed vote moves, a repeated one is a no-op."""
        parsed = parse_article_id(article_id)
        async with self._database.unit_of_work() as uow:
            # The row lock serialises votes on one article, so the counters always match the votes.
            article = await uow.articles.get_for_update(article_id=parsed)
            if article is None or (article.state != ArticleState.PUBLISHED.value and not principal.is_staff):
                raise NotFound("article not found")
            if article.state != ArticleState.PUBLISHED.value:
                raise FailedPrecondition("only published articles take votes", reason="ARTICLE_NOT_PUBLISHED")
            previous = await uow.articles.get_vote(article_id=parsed, user_id=principal.user_id)
            if previous is vote.value:
                return (await self._data(uow, article)).without_body()
            await uow.articles.put_vote(article_id=parsed, user_id=principal.user_id, helpful=vote.value)
            helpful = int(vote.value) - int(previous is True)
            not_helpful = int(not vote.value) - int(previous is False)
            updated = await uow.articles.adjust_vote_counts(article_id=parsed, helpful=helpful, not_helpful=not_helpful)
            if updated is None:
                raise NotFound("article not found")
            uow.after_commit(lambda: self._invalidate(parsed))
            return (await self._data(uow, updated)).without_body()

    # ---- reads -------------------------------------------------------------------------------

    async def get_article(self, *, principal: Principal | None, id_or_slug: str, full: bool) -> ArticleData:
        """One article by id or slug (cached); counts a view when it is PUBLISHED."""
        if not id_or_slug:
            raise InvalidArgument.field("id", "is required: an article id or slug")
        article_id: uuid.UUID | None
        if looks_like_uuid(id_or_slug):
            article_id = uuid.UUID(id_or_slug)
        else:
            if not _SLUG.fullmatch(id_or_slug):
                raise NotFound("article not found")
            article_id = await self._cache.article_id_for_slug(id_or_slug)
            if article_id is None:
                async with self._database.unit_of_work() as uow:
                    row = await uow.articles.get_by_slug(slug=id_or_slug)
                if row is None:
                    raise NotFound("article not found")
                article_id = row.article.id
        article = await self._read(article_id)
        if article is None or (not article.published and not can_see_unpublished(principal)):
            raise NotFound("article not found")
        if article.published:
            await self._views.record(article.id)
        return article if full else article.without_body()

    async def _read(self, article_id: uuid.UUID) -> ArticleData | None:
        # The version is read BEFORE PostgreSQL (see cache.py): a racing write cannot be cached over.
        version = await self._cache.article_version(article_id)
        if version is not None:
            cached = await self._cache.get_article(article_id, version)
            if cached is not None:
                return cached
        async with self._database.unit_of_work() as uow:
            row = await uow.articles.get(article_id=article_id)
        if row is None:
            return None
        data = ArticleData.from_row(row)
        if version is not None:
            await self._cache.put_article(data, version)
        return data

    # ---- helpers -----------------------------------------------------------------------------

    async def _data(self, uow: UnitOfWork, article: Article) -> ArticleData:
        return ArticleData.from_model(
            article, author_display_name=await uow.articles.author_name(user_id=article.author_id)
        )

    async def _invalidate(self, article_id: uuid.UUID) -> None:
        await self._cache.invalidate([article_id])


def _check_request_id(request_id: str) -> None:
    try:
        uuid.UUID(request_id)
    except ValueError:
        raise InvalidArgument.field("request_id", "must be a UUID (AIP-155)") from None

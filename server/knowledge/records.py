"""Transport-free snapshots of articles as the knowledge domain returns them (and caches them)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any, NamedTuple

from storage.models import Article, ArticleState
from storage.repositories.articles import ArticleRow


@dataclass(frozen=True, slots=True)
class ArticleData:
    """An article with its author's name; JSON-serialisable for the Redis cache."""

    id: uuid.UUID
    slug: str
    title: str
    body: str
    category: str
    tags: tuple[str, ...]
    state: ArticleState
    author_id: uuid.UUID
    author_display_name: str
    view_count: int
    helpful_count: int
    not_helpful_count: int
    create_time: datetime
    update_time: datetime
    publish_time: datetime | None
    etag: str

    @property
    def published(self) -> bool:
        """Whether the article is public."""
        return self.state is ArticleState.PUBLISHED

    @classmethod
    def from_row(cls, row: ArticleRow) -> ArticleData:
        """The snapshot of a repository row."""
        return cls.from_model(row.article, author_display_name=row.author_display_name)

    @classmethod
    def from_model(cls, article: Article, *, author_display_name: str) -> ArticleData:
        """The snapshot of a model instance."""
        return cls(
            id=article.id,
            slug=article.slug,
            title=article.title,
            body=article.body,
            category=article.category,
            tags=tuple(article.tags),
            state=ArticleState(article.state),
            author_id=article.author_id,
            author_display_name=author_display_name,
            view_count=int(article.view_count),
            helpful_count=article.helpful_count,
            not_helpful_count=article.not_helpful_count,
            create_time=article.create_time,
            update_time=article.update_time,
            publish_time=article.publish_time,
            etag=article.etag,
        )

    def without_body(self) -> ArticleData:
        """The BASIC view: everything but the body."""
        return replace(self, body="")

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly dict (see `from_json`)."""
        data = asdict(self)
        data["id"] = str(self.id)
        data["author_id"] = str(self.author_id)
        data["tags"] = list(self.tags)
        data["state"] = self.state.value
        data["create_time"] = self.create_time.isoformat()
        data["update_time"] = self.update_time.isoformat()
        data["publish_time"] = None if self.publish_time is None else self.publish_time.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ArticleData:
        """The inverse of `to_json`."""
        publish_time = data["publish_time"]
        return cls(
            id=uuid.UUID(data["id"]),
            slug=data["slug"],
            title=data["title"],
            body=data["body"],
            category=data["category"],
            tags=tuple(data["tags"]),
            state=ArticleState(data["state"]),
            author_id=uuid.UUID(data["author_id"]),
            author_display_name=data["author_display_name"],
            view_count=int(data["view_count"]),
            helpful_count=int(data["helpful_count"]),
            not_helpful_count=int(data["not_helpful_count"]),
            create_time=datetime.fromisoformat(data["create_time"]),
            update_time=datetime.fromisoformat(data["update_time"]),
            publish_time=None if publish_time is None else datetime.fromisoformat(publish_time),
            etag=data["etag"],
        )


class SearchResult(NamedTuple):
    """One search hit: the article and an HTML-safe snippet with `<mark>`ed matches (UTF-8, as the answer carries it).

    `article` is the search statement's row, read by column name (the article's columns and
    `author_display_name`; see `storage.repositories.article_search.SearchHit`): a page of hits
    becomes its answer without an `ArticleData` per hit. A named tuple, as `SearchHit` is.
    """

    article: Mapping[str, Any]
    snippet: bytes

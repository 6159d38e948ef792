"""A GIN index on `title_vector`, so a search finds its title and tag hits without reading the others.

Revision ID: 0015_search_candidates
Revises: 0008_restorable_search
Create Date: 2026-12-07

A search ranks a capped set of candidates (storage/repositories/article_search.py): first the
articles with a query word in the title or tags, then body-only matches. The first tier is the
intersection of this index (`title_vector` holds any of the query's lexemes) with the match on
`search_vector`, both resolved in the indexes (a BitmapAnd), so a common word reads a few hundred
heap rows instead of every matching article. The index is small: ~6 MB per 100k articles.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015_search_candidates"
down_revision: str | None = "0008_restorable_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Indexes the title and tag vector."""
    op.execute("CREATE INDEX ix_articles_title_vector ON articles USING gin (title_vector)")


def downgrade() -> None:
    """Drops the title and tag index."""
    op.execute("DROP INDEX ix_articles_title_vector")

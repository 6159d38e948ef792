"""One GIN index over `title_vector` and `search_vector` together, in place of one index on each.

Revision ID: 0025_search_vectors_index
Revises: 0015_search_candidates
Create Date: 2026-12-08

A search's first tier is the articles matching the query (`search_vector`) with a query word in
the title or tags (`title_vector`); see storage/repositories/article_search.py. With one index per
column, PostgreSQL built a bitmap of every match (~5,000 articles for a common word at 100k
articles) and a second of every title or tag hit, then intersected them and sorted the result's
pages. valgrind on a backend running the bench's 16 common-word queries counted 26.3 M
instructions a search, over half of them in those bitmaps. A GIN index over both columns answers
both conditions in one scan: they become keys of that scan, a row must satisfy each, and only the
rows that do go into the bitmap: 20.9 M instructions a search (-20 %; 20.1 M with the statement's
query parsed once). Where title hits are few among the matches (a word common in bodies, rare in
titles), the title key's short posting list lets the scan skip most of the other key's items,
where the BitmapAnd still built the large bitmap in full.

A search on one column alone (the body-only tier, which runs only when the title tier is not full)
uses the same index: GIN keys carry their column, so a condition on either column reads only that
column's entries. The two single-column indexes therefore go: a write maintains one GIN index
instead of two, holding the same entries (68 MB per 100k articles, the two were 61 + 6 MB).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0025_search_vectors_index"
down_revision: str | None = "0015_search_candidates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Builds the combined index, then drops the two it replaces."""
    op.execute("CREATE INDEX ix_articles_search_vectors ON articles USING gin (title_vector, search_vector)")
    op.execute("DROP INDEX ix_articles_title_vector")
    op.execute("DROP INDEX ix_articles_search_vector")


def downgrade() -> None:
    """Back to one index per vector."""
    op.execute("CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)")
    op.execute("CREATE INDEX ix_articles_title_vector ON articles USING gin (title_vector)")
    op.execute("DROP INDEX ix_articles_search_vectors")

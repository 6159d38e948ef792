"""The article vector functions name their schema, so a dump of the database restores.

Revision ID: 0008_restorable_search
Revises: 0005_knowledge_search
Create Date: 2026-12-07

pg_restore (like pg_dump's plain scripts) runs with an empty `search_path`; the generated columns
`articles.search_vector` and `title_vector` are computed while the table is loaded, through
`helpdesk_article_vector` and `helpdesk_title_vector`, whose bodies named `helpdesk_fold` and the
`helpdesk_pt`/`helpdesk_en` configurations without their schema: every restore failed with
`text search configuration "helpdesk_pt" does not exist`. The bodies now say `public.`; they
compute exactly the same vectors (stored values stay valid) and SQL functions still inline.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008_restorable_search"
down_revision: str | None = "0005_knowledge_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _vector(expression: str, weight: str, *, schema: str) -> str:
    folded = f"{schema}helpdesk_fold({expression})"
    return (
        f"setweight(to_tsvector('{schema}helpdesk_pt'::regconfig, {folded}), '{weight}') || "
        f"setweight(to_tsvector('{schema}helpdesk_en'::regconfig, {folded}), '{weight}')"
    )


def _replace_functions(schema: str) -> None:
    title = _vector("title", "A", schema=schema)
    tags = _vector("array_to_string(tags, ' ')", "B", schema=schema)
    body = _vector("body", "C", schema=schema)
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION helpdesk_article_vector(title text, tags text[], body text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT {title} || {tags} || {body} $$
        """
    )
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION helpdesk_title_vector(title text, tags text[]) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT {title} || {tags} $$
        """
    )


def upgrade() -> None:
    """Names the schema of every function and configuration the vector functions use."""
    _replace_functions("public.")


def downgrade() -> None:
    """Back to the bodies that depend on search_path."""
    _replace_functions("")

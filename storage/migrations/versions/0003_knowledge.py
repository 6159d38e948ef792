"""Knowledge base: articles (with a stored full-text search vector) and helpful votes.

Revision ID: 0003_knowledge
Revises: 0001_users_and_sessions
Create Date: 2026-11-25

Search design (Portuguese + English, accents and case folded):

- Two text search configurations, `helpdesk_pt` and `helpdesk_en`: copies of the built-in
  `portuguese` and `english` ones whose word mappings run the `unaccent` dictionary before the
  Snowball stemmer. Content is mixed-language and an article's language is not recorded, so every
  text is indexed with BOTH stemmers (the two vectors are concatenated) and a query is parsed with
  both (the two queries are OR-ed): `senha` hits `senh` (pt), `passwords` hits `password` (en).
  A single `simple` + unaccent configuration would fold accents but not stem (`senhas` would miss
  `senha`); a single language's stemmer would mangle the other language.
- `helpdesk_fold(text)`: an IMMUTABLE wrapper (unaccent() itself is only STABLE, so it cannot be
  used in a generated column) that folds accents with the explicitly named dictionary and maps the
  Portuguese nominalisations `-ição/-ações` to their verb (`redefinição` -> `redefinir`,
  `configurações` -> `configurar`): the Snowball Portuguese stemmer leaves `redefiniçã` and
  `redefin` apart, and users search with the noun and the verb interchangeably.
- `search_vector`: STORED generated tsvector, title weight A, tags B, body C; GIN index.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003_knowledge"
down_revision: str | None = "0001_users_and_sessions"
branch_labels: str | Sequence[str] | None = ("knowledge",)
depends_on: str | Sequence[str] | None = None


def _vector(expression: str, weight: str) -> str:
    folded = f"helpdesk_fold({expression})"
    return (
        f"setweight(to_tsvector('helpdesk_pt'::regconfig, {folded}), '{weight}') || "
        f"setweight(to_tsvector('helpdesk_en'::regconfig, {folded}), '{weight}')"
    )


def upgrade() -> None:
    """Creates the knowledge-base tables of issue 4."""
    # The dictionary is named with its schema so that the function does not depend on search_path.
    op.execute(
        """
        CREATE FUNCTION helpdesk_fold(value text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$
          SELECT regexp_replace(
            public.unaccent('public.unaccent'::regdictionary, value),
            '([[:alpha:]]{2,})([ai])(cao|coes)\\M', '\\1\\2r', 'gi')
        $$
        """
    )
    for name, base, stemmer in (
        ("helpdesk_pt", "portuguese", "portuguese_stem"),
        ("helpdesk_en", "english", "english_stem"),
    ):
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {base})")
        op.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {name} "
            f"ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, {stemmer}"
        )

    # One IMMUTABLE function builds the vector (array_to_string is only STABLE for any array, so
    # the generated column could not call it directly); the column definition stays short.
    search_vector = " || ".join(
        (
            _vector("title", "A"),
            _vector("array_to_string(tags, ' ')", "B"),
            _vector("body", "C"),
        )
    )
    op.execute(
        f"""
        CREATE FUNCTION helpdesk_article_vector(title text, tags text[], body text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT {search_vector} $$
        """
    )
    op.execute(
        """
        CREATE TABLE articles (
          id uuid NOT NULL DEFAULT gen_random_uuid(),
          slug text NOT NULL,
          title text NOT NULL,
          body text NOT NULL,
          category text NOT NULL DEFAULT '',
          tags text[] NOT NULL DEFAULT '{}',
          state text NOT NULL DEFAULT 'draft',
          author_id uuid NOT NULL,
          view_count bigint NOT NULL DEFAULT 0,
          helpful_count integer NOT NULL DEFAULT 0,
          not_helpful_count integer NOT NULL DEFAULT 0,
          create_time timestamptz NOT NULL DEFAULT now(),
          update_time timestamptz NOT NULL DEFAULT now(),
          publish_time timestamptz,
          version integer NOT NULL DEFAULT 1,
          search_vector tsvector GENERATED ALWAYS AS (helpdesk_article_vector(title, tags, body)) STORED,
          CONSTRAINT pk_articles PRIMARY KEY (id),
          -- Users are deactivated, never deleted while they authored articles.
          CONSTRAINT fk_articles_author_id_users FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE RESTRICT,
          CONSTRAINT ck_articles_state CHECK (state IN ('draft', 'published', 'archived')),
          CONSTRAINT ck_articles_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(slug) <= 120),
          CONSTRAINT ck_articles_title_length CHECK (char_length(title) BETWEEN 1 AND 200),
          CONSTRAINT ck_articles_body_length CHECK (char_length(body) BETWEEN 1 AND 100000),
          CONSTRAINT ck_articles_category_length CHECK (char_length(category) <= 64),
          CONSTRAINT ck_articles_tags_count CHECK (cardinality(tags) <= 20),
          CONSTRAINT ck_articles_counters_non_negative
            CHECK (view_count >= 0 AND helpful_count >= 0 AND not_helpful_count >= 0),
          CONSTRAINT ck_articles_published_has_publish_time CHECK (state <> 'published' OR publish_time IS NOT NULL),
          CONSTRAINT ck_articles_version_positive CHECK (version > 0)
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX uq_articles_slug ON articles (slug)")
    op.execute("CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)")
    op.execute("CREATE INDEX ix_articles_tags ON articles USING gin (tags)")
    # Keyset pagination of the list orders, per state (the public lists are PUBLISHED only).
    op.execute("CREATE INDEX ix_articles_state_update_time_id ON articles (state, update_time, id)")
    op.execute("CREATE INDEX ix_articles_state_view_count_id ON articles (state, view_count, id)")
    op.execute("CREATE INDEX ix_articles_state_title_id ON articles (state, title, id)")
    op.execute("CREATE INDEX ix_articles_state_category ON articles (state, category)")
    op.execute("CREATE INDEX ix_articles_author_id ON articles (author_id)")

    op.execute(
        """
        CREATE TABLE article_votes (
          article_id uuid NOT NULL,
          user_id uuid NOT NULL,
          helpful boolean NOT NULL,
          create_time timestamptz NOT NULL DEFAULT now(),
          update_time timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT pk_article_votes PRIMARY KEY (article_id, user_id),
          -- Deleting an article deletes its votes (DeleteArticle says so); a user's votes go with them.
          CONSTRAINT fk_article_votes_article_id_articles FOREIGN KEY (article_id)
            REFERENCES articles (id) ON DELETE CASCADE,
          CONSTRAINT fk_article_votes_user_id_users FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
        )
        """
    )
    op.execute("CREATE INDEX ix_article_votes_user_id ON article_votes (user_id)")


def downgrade() -> None:
    """Drops the knowledge-base tables, configurations and function."""
    op.execute("DROP TABLE article_votes")
    op.execute("DROP TABLE articles")
    op.execute("DROP FUNCTION helpdesk_article_vector(text, text[], text)")
    op.execute("DROP TEXT SEARCH CONFIGURATION helpdesk_en")
    op.execute("DROP TEXT SEARCH CONFIGURATION helpdesk_pt")
    op.execute("DROP FUNCTION helpdesk_fold(text)")

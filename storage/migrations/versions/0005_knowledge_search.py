"""Knowledge search that stays cheap at 100k articles: a narrow ranking vector and a lean heap.

Revision ID: 0005_knowledge_search
Revises: 0003_knowledge
Create Date: 2026-11-25

What a search costs is the work done per MATCHING row, and a common word matches thousands:

- Ranking read `search_vector` (title + tags + body, both stemmers, with positions: ~4 KB per
  article, always TOASTed) for every match. It now reads `title_vector`: the title (weight A)
  and tags (B) only, ~150 bytes, kept inline (STORAGE MAIN). `search_vector` still does the
  matching through its GIN index and is only read back to recheck phrase queries.
- The heap carried each body inline (compressed, ~1.4 KB), so a match visited a wide row and
  100k articles did not fit in shared buffers. `toast_tuple_target = 128` moves the body and the
  search vector out of line whenever a row is TOASTed at all (realistic articles always are):
  the heap shrinks from ~170 MB to ~35 MB per 100k articles. Bodies are read only for the page
  being served (snippets, FULL views), where one TOAST fetch per row is nothing.
- `helpdesk_headline`: `simple` + unaccent, no stemming, for ts_headline. One parse of the body
  instead of one per language; the query's stems are turned into prefixes for highlighting, so
  `configur:*` still marks `configurações`. `helpdesk_snippet(body, query, options, start_sel)`
  parses ~800 characters around the first occurrence of a query lexeme (a substring search over
  the accent-folded body, far cheaper than a parse) and the whole body only when that window
  holds no match.

Adding the generated column rewrites the table (and so re-TOASTs every row under the new target).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005_knowledge_search"
down_revision: str | None = "0003_knowledge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _vector(expression: str, weight: str) -> str:
    folded = f"helpdesk_fold({expression})"
    return (
        f"setweight(to_tsvector('helpdesk_pt'::regconfig, {folded}), '{weight}') || "
        f"setweight(to_tsvector('helpdesk_en'::regconfig, {folded}), '{weight}')"
    )


def upgrade() -> None:
    """Adds `title_vector`, the TOAST target and the headline configuration."""
    title_vector = " || ".join((_vector("title", "A"), _vector("array_to_string(tags, ' ')", "B")))
    op.execute(
        f"""
        CREATE FUNCTION helpdesk_title_vector(title text, tags text[]) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT {title_vector} $$
        """
    )
    # One statement, one rewrite: the column is MAIN before any row is written with it.
    op.execute(
        """
        ALTER TABLE articles
          SET (toast_tuple_target = 128),
          ADD COLUMN title_vector tsvector
            GENERATED ALWAYS AS (helpdesk_title_vector(title, tags)) STORED,
          ALTER COLUMN title_vector SET STORAGE MAIN
        """
    )
    op.execute("CREATE TEXT SEARCH CONFIGURATION helpdesk_headline (COPY = simple)")
    op.execute(
        "ALTER TEXT SEARCH CONFIGURATION helpdesk_headline "
        "ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, simple"
    )
    op.execute(
        r"""
        CREATE FUNCTION helpdesk_snippet(body text, query tsquery, options text, start_sel text) RETURNS text
        LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
        AS $$
        DECLARE
          folded text := lower(public.unaccent('public.unaccent'::regdictionary, body));
          first_at integer := 0;
          found_at integer;
          lexeme text;
          headline text;
        BEGIN
          -- Where a lexeme of the query first occurs as a substring: a guess (a stem may sit
          -- inside another word) that ts_headline confirms by marking it.
          FOR lexeme IN SELECT m[1] FROM regexp_matches(query::text, '''((?:[^'']|'''')+)''', 'g') AS m LOOP
            found_at := strpos(folded, replace(lexeme, '''''', ''''));
            IF found_at > 0 AND (first_at = 0 OR found_at < first_at) THEN
              first_at := found_at;
            END IF;
          END LOOP;
          IF first_at > 0 AND octet_length(body) > 1000 THEN
            -- ~800 characters around it, without the words the cuts went through.
            headline := ts_headline(
              'public.helpdesk_headline'::regconfig,
              regexp_replace(
                regexp_replace(substr(body, greatest(1, first_at - 300), 800), '\S*$', ''),
                CASE WHEN first_at > 301 THEN '^\S*' ELSE '^' END, ''),
              query, options);
            IF strpos(headline, start_sel) > 0 THEN
              RETURN headline;
            END IF;
          END IF;
          RETURN ts_headline('public.helpdesk_headline'::regconfig, body, query, options);
        END
        $$
        """
    )


def downgrade() -> None:
    """Back to ranking on `search_vector`."""
    op.execute("DROP FUNCTION helpdesk_snippet(text, tsquery, text, text)")
    op.execute("DROP TEXT SEARCH CONFIGURATION helpdesk_headline")
    op.execute("ALTER TABLE articles DROP COLUMN title_vector, RESET (toast_tuple_target)")
    op.execute("DROP FUNCTION helpdesk_title_vector(text, text[])")

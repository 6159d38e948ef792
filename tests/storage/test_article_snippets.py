"""Search snippets made from an article's body and the query's lexemes (no database needed)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from storage.repositories.article_snippets import FRAGMENT_DELIMITER, MAX_FRAGMENTS, snippet_html, snippet_html_utf8
from tests.storage.snippet_reference import reference_snippet

# What bodies are made of here: letters that fold (accents, case, ß), the whitespace str.strip()
# knows beyond the ASCII one, what HTML escapes, what is dropped (NUL, the private-use markers),
# and characters outside Latin-1 (each folds to "?", which a lexeme may hold too).
_BODY_CHARACTERS = [*"aáâãeéiíoóõuúçcsnhSENHÇ _-?\n\t\r", "\xa0", "\u2003", "\u3000", "\x1c", "\x85", "\u2028"]
_BODY_CHARACTERS += [*"&<>\"'", "\x00", "\ue000", "\ue001", "🔑", "П", "İ", "ß", "æ", "÷", "€"]
_WORDS = ["senha", "Senhas", "contrassenha", "configurações", "ação", "&amp;", "<b>", " ", "\n\n", "a" * 250]
_bodies = st.lists(st.sampled_from(_BODY_CHARACTERS) | st.sampled_from(_WORDS), max_size=400).map("".join)
_lexemes = st.lists(st.text(alphabet="aeinshcçáß_-?П", min_size=1, max_size=4), max_size=3)


def _shown(text: str) -> str:
    return text.replace("<mark>", "[").replace("</mark>", "]")


def test_a_stem_marks_the_whole_accented_word() -> None:
    body = "Ajuste as configurações de notificação da sua conta."
    assert _shown(snippet_html(body, ["configur"])) == "Ajuste as [configurações] de notificação da sua conta."


def test_case_and_accents_are_folded_and_only_word_starts_match() -> None:
    body = "SENHA, Senhas e contrassenha."
    assert _shown(snippet_html(body, ["senh"])) == "[SENHA], [Senhas] e contrassenha."


def test_characters_outside_latin_1_keep_the_marks_on_the_right_words() -> None:
    body = "Пароль 🔑 — redefina a senha İstanbul aqui."
    assert _shown(snippet_html(body, ["senh", "aqui"])) == "Пароль 🔑 — redefina a [senha] İstanbul [aqui]."


def test_markup_in_the_body_stays_text_and_cannot_forge_a_mark() -> None:
    body = 'Texto \x00[falso\x00] com <mark>senha</mark> & "mais" \ue000d\'agua\ue001.'
    shown = snippet_html(body, ["senh"])
    assert shown == (
        "Texto [falso] com &lt;mark&gt;<mark>senha</mark>&lt;/mark&gt; &amp; &quot;mais&quot; d&#x27;agua."
    )


def test_a_body_with_markup_and_two_fragments_is_escaped_around_its_marks() -> None:
    body = " ".join(f"<i>senha{i}</i> & co" if i % 60 == 0 else f"palavra{i}" for i in range(400))
    result = snippet_html(body, ["senh"])
    assert result.count(FRAGMENT_DELIMITER) == MAX_FRAGMENTS - 1
    assert result.startswith("&lt;i&gt;<mark>senha0</mark>&lt;/i&gt; &amp; co palavra1 ")
    assert "&lt;i&gt;<mark>senha60</mark>&lt;/i&gt; &amp; co" in result
    assert "<i>" not in result


def test_a_long_body_gives_fragments_around_far_matches() -> None:
    word = "zorbex"
    body = "Texto comum de enchimento. " * 80 + f"Digite o código {word} na tela." + " Mais texto." * 40
    result = snippet_html(body, [word])
    assert f"<mark>{word}</mark>" in result
    assert len(result) < 600
    assert result.startswith("enchimento.") or result.startswith("Texto")


def test_at_most_two_fragments_joined_by_the_delimiter() -> None:
    body = " ".join(f"palavra{i} senha" if i % 60 == 0 else f"palavra{i}" for i in range(400))
    result = snippet_html(body, ["senh"])
    assert result.count(FRAGMENT_DELIMITER) == MAX_FRAGMENTS - 1
    assert result.count("<mark>") == MAX_FRAGMENTS


def test_a_body_without_a_match_gives_its_opening() -> None:
    body = "Primeiras palavras do artigo. " * 30
    result = snippet_html(body, ["inexistente"])
    assert result.startswith("Primeiras palavras do artigo.")
    assert "<mark>" not in result
    assert len(result) < 200


def test_no_lexemes_and_an_empty_body() -> None:
    assert snippet_html("", ["senh"]) == ""
    assert snippet_html("Só <texto>.", []) == "Só &lt;texto&gt;."


@settings(max_examples=250, deadline=None)
@given(body=_bodies, lexemes=_lexemes)
def test_a_snippet_is_the_reference_one_byte_for_byte(body: str, lexemes: list[str]) -> None:
    assert snippet_html_utf8(body, lexemes) == reference_snippet(body, lexemes).encode()

"""Search snippets made from an article's body and the query's lexemes (no database needed)."""

from __future__ import annotations

from storage.repositories.article_snippets import (
    FRAGMENT_DELIMITER,
    MATCH_END,
    MATCH_START,
    MAX_FRAGMENTS,
    snippet,
)


def _shown(text: str) -> str:
    return text.replace(MATCH_START, "[").replace(MATCH_END, "]")


def test_a_stem_marks_the_whole_accented_word() -> None:
    body = "Ajuste as configurações de notificação da sua conta."
    assert _shown(snippet(body, ["configur"])) == "Ajuste as [configurações] de notificação da sua conta."


def test_case_and_accents_are_folded_and_only_word_starts_match() -> None:
    body = "SENHA, Senhas e contrassenha."
    assert _shown(snippet(body, ["senh"])) == "[SENHA], [Senhas] e contrassenha."


def test_characters_outside_latin_1_keep_the_marks_on_the_right_words() -> None:
    body = "Пароль 🔑 — redefina a senha İstanbul aqui."
    assert _shown(snippet(body, ["senh", "aqui"])) == "Пароль 🔑 — redefina a [senha] İstanbul [aqui]."


def test_markers_in_the_body_are_dropped_and_markup_stays_text() -> None:
    body = f"Texto {MATCH_START}falso{MATCH_END} com <b>senha</b> & mais."
    shown = snippet(body, ["senh"])
    assert shown == f"Texto falso com <b>{MATCH_START}senha{MATCH_END}</b> & mais."


def test_a_long_body_gives_fragments_around_far_matches() -> None:
    word = "zorbex"
    body = "Texto comum de enchimento. " * 80 + f"Digite o código {word} na tela." + " Mais texto." * 40
    result = snippet(body, [word])
    assert f"{MATCH_START}{word}{MATCH_END}" in result
    assert len(result) < 600
    assert result.startswith("enchimento.") or result.startswith("Texto")


def test_at_most_two_fragments_joined_by_the_delimiter() -> None:
    body = " ".join(f"palavra{i} senha" if i % 60 == 0 else f"palavra{i}" for i in range(400))
    result = snippet(body, ["senh"])
    assert result.count(FRAGMENT_DELIMITER) == MAX_FRAGMENTS - 1
    assert result.count(MATCH_START) == MAX_FRAGMENTS


def test_a_body_without_a_match_gives_its_opening() -> None:
    body = "Primeiras palavras do artigo. " * 30
    result = snippet(body, ["inexistente"])
    assert result.startswith("Primeiras palavras do artigo.")
    assert MATCH_START not in result
    assert len(result) < 200


def test_no_lexemes_and_an_empty_body() -> None:
    assert snippet("", ["senh"]) == ""
    assert snippet("Só texto.", []) == "Só texto."

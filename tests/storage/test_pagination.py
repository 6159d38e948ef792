"""Page tokens, page sizes, LIKE patterns and etags."""

from __future__ import annotations

import pytest

from server.core.errors import InvalidArgument
from storage.etags import etag_for_version, etag_matches
from storage.like import contains_pattern
from storage.pagination import decode_page_token, encode_page_token, resolve_page_size

FILTERS = {"role": "agent", "query": "ann", "show_inactive": False}


def test_a_token_round_trips_with_the_same_filters() -> None:
    token = encode_page_token(position=["2025-01-01T00:00:00+00:00", "abc"], filters=FILTERS)
    assert decode_page_token(token, filters=dict(FILTERS)) == ["2025-01-01T00:00:00+00:00", "abc"]
    assert decode_page_token("", filters=FILTERS) is None


def test_a_token_is_refused_with_other_filters() -> None:
    token = encode_page_token(position=["x"], filters=FILTERS)
    with pytest.raises(InvalidArgument) as caught:
        decode_page_token(token, filters={**FILTERS, "query": "bob"})
    assert caught.value.violations[0].field == "page_token"


@pytest.mark.parametrize("garbage", ["not a token", "eyJ2IjoxfQ", "e30", "!!!!", "x" * 2000])
def test_garbage_tokens_are_invalid_arguments(garbage: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        decode_page_token(garbage, filters=FILTERS)
    assert caught.value.violations[0].field == "page_token"


def test_page_size_rules() -> None:
    assert resolve_page_size(0, default=50, maximum=200) == 50
    assert resolve_page_size(10, default=50, maximum=200) == 10
    assert resolve_page_size(1000, default=50, maximum=200) == 200
    with pytest.raises(InvalidArgument) as caught:
        resolve_page_size(-1)
    assert caught.value.violations[0].field == "page_size"


def test_like_patterns_escape_wildcards() -> None:
    assert contains_pattern("a_b%c\\d") == "%a\\_b\\%c\\\\d%"


def test_etags_name_the_version() -> None:
    assert etag_for_version(3) == 'W/"3"'
    assert etag_matches('W/"3"', 3)
    assert not etag_matches('W/"2"', 3)
    assert not etag_matches("garbage", 3)

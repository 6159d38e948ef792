"""The bounded memo the token, caller and search memos keep their entries in."""

from __future__ import annotations

from server.core.bounded import remember


def test_a_full_memo_forgets_its_oldest_entry_for_a_new_key_and_never_for_a_known_one() -> None:
    memo: dict[str, int] = {}
    for number, key in enumerate("abc"):
        assert remember(memo, key, number, bound=3) == number

    remember(memo, "b", 10, bound=3)  # a known key: replaced in place, nothing forgotten
    replaced = dict(memo)
    remember(memo, "d", 3, bound=3)  # a new one: the oldest ("a") goes

    assert replaced == {"a": 0, "b": 10, "c": 2}
    assert memo == {"b": 10, "c": 2, "d": 3}

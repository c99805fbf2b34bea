"""The Aho-Corasick wrapper: every occurrence of every key, overlapping ones included."""

from __future__ import annotations

import pytest

from services.common.automaton import build_automaton


def test_every_occurrence_is_found_with_its_value_even_inside_another_key() -> None:
    automaton = build_automaton({"跳楼": "self_harm", "楼": "building", "kill": "violence"})
    found = [(end, value) for end, value in automaton.iter("他说要跳楼, kill")]
    assert found == [(4, "self_harm"), (4, "building"), (10, "violence")]


def test_no_keys_find_nothing() -> None:
    assert list(build_automaton({}).iter("跳楼")) == []


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        build_automaton({"": 1})

"""``places_reading``'s ``apart``: two letters' places compared pair by pair and none
alike, by which ``scoring`` spares a candidate ``place_of_either_title``."""

from __future__ import annotations

from itertools import product

from services.dedup.features import NO_BANDS, CaseFeatures
from services.dedup.place_agreement import (
    _theirs_without_kept,
    place_of_either_title,
    places_agree,
    places_reading,
    same_place,
    title_places_compared,
)
from services.dedup.sketch import sketch_text

_SKETCH = sketch_text([], 3, 64)

_PAIRS: tuple[tuple[frozenset[str], tuple[str, ...]], ...] = (
    (frozenset({"阳光小区"}), ("月光小区",)),
    (frozenset({"阳光小区"}), ("阳光小区三期",)),
    (frozenset({"花卉路"}), ("花卉大道",)),
    (frozenset({"阳光小区", "人民路"}), ("月光小区", "人民路")),
    (frozenset({"阳光小区", "人民路"}), ("月光小区", "解放路")),
    (frozenset({"汀澜小区"}), ("汀澜雅苑", "芙蓉路")),
    (frozenset({"同仁村"}), ("桐仁村",)),
    (frozenset(), ("阳光小区",)),
    (frozenset({"阳光小区"}), ()),
)


def test_apart_is_no_pair_alike() -> None:
    for (ours, theirs), lenient in product(_PAIRS, (False, True)):
        agree, apart = places_reading(ours, theirs, lenient)
        assert agree is places_agree(ours, theirs, lenient)
        alike = any(same_place(a, b, lenient) for a in ours for b in theirs)
        if apart:
            assert agree is False, (ours, theirs)
            assert not alike, (ours, theirs)
        else:
            # Not apart: some pair alike, or not every pair compared (no place).
            assert alike or agree is None or _theirs_without_kept(theirs) != theirs, (
                ours,
                theirs,
            )


def test_a_candidate_apart_is_named_by_no_title() -> None:
    # What ``scoring.titled_by`` relies on to skip ``place_of_either_title``.
    for title_places, places, opening in (
        (frozenset({"阳光小区"}), frozenset({"阳光小区", "人民路"}), frozenset()),
        (frozenset(), frozenset({"阳光小区"}), frozenset({"阳光小区"})),
    ):
        features = CaseFeatures(
            _SKETCH,
            places,
            NO_BANDS,
            title_places,
            "阳光小区物业费",
            frozenset(),
            opening,
        )
        assert title_places_compared(features)
        for theirs in (("月光小区",), ("月光小区", "解放路"), ("阳光小区",)):
            for lenient in (False, True):
                _, apart = places_reading(places, theirs, lenient)
                # Between one writer's letters, one character apart is a typo: alike.
                assert apart is (theirs[0] == "月光小区" and not lenient), theirs
                if apart:
                    assert not place_of_either_title(features, theirs, "月光小区物业费", lenient)


def test_a_title_place_not_among_the_places_is_not_compared() -> None:
    features = CaseFeatures(
        _SKETCH, frozenset({"人民路"}), NO_BANDS, frozenset({"阳光小区"}), "", frozenset()
    )
    assert not title_places_compared(features)

"""``place_agreement._same_place`` keeps one cache entry for both orders of a pair of
places: that is right only because the comparison is symmetric. Pairs of every kind of
test it makes (and pairs of a kind with another kind), both orders, both leniencies."""

from __future__ import annotations

import itertools

import pytest

from services.dedup import place_agreement

_PLACES = (
    # Contained, unit and road words.
    "阳光小区",
    "阳光小区三期",
    "月光小区",
    "花卉路",
    "花卉大道",
    "大新村",
    "大新社区",
    # Villages and roads typed by their sound.
    "同仁村",
    "桐仁村",
    "转朝四组公路",
    "转朝四组工路",
    # An estate by its head, a plant by its brand, an estate typed by its sound.
    "汀澜小区",
    "汀澜雅苑",
    "宏基混凝土公司",
    "宏基搅拌站",
    "万佳名城",
    "万家名城",
    "家和院",
    "家和苑",
    # Institutions.
    "浏阳市一中",
    "浏阳一中",
    "宁乡一中",
    # One writer's typos (lenient).
    "苹洲小学",
    "萍州小学",
    "杨家田农贸市场",
    "原杨家田农贸市场",
    # Subjects and their lookup keys.
    "滨河苑〔强卖车位〕",
    "伊景园滨河苑〔强卖车位〕",
    "〔强卖车位〕滨河苑",
    "〔强卖车位〕园滨河苑",
    "〔基站〕嘉和苑",
    "〔基站〕家和苑",
)


@pytest.mark.parametrize("lenient", [False, True])
def test_same_place_is_symmetric(lenient: bool) -> None:
    ordered = place_agreement._same_place_ordered.__wrapped__
    found = 0
    for mine, other in itertools.combinations(_PLACES, 2):
        one_way = ordered(mine, other, lenient)
        assert one_way == ordered(other, mine, lenient), (mine, other)
        assert place_agreement._same_place(mine, other, lenient) == one_way
        assert place_agreement._same_place(other, mine, lenient) == one_way
        found += one_way
    # The pairs are of places found alike as well as apart.
    assert found >= 10

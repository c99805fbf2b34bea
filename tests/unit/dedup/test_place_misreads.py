"""Places read wrongly from what residents write around them, and names of one place
that disagreed (issue 13: blind4's big matters)."""

from __future__ import annotations

from services.common.places import places
from services.dedup.place_agreement import places_agree


def test_a_verb_before_a_name_is_no_part_of_it() -> None:
    assert places("去年底搬进汀澜雅苑") == {"汀澜雅苑"}
    assert places("请有关部门核查嘉禾丰园") == {"嘉禾丰园"}
    assert places("物业上涨嘉禾丰园物业费") == {"嘉禾丰园"}
    assert places("罐车进出沩水东路") == {"沩水东路"}


def test_an_unnamed_estate_or_plant_is_no_place() -> None:
    assert places("A1区一小区物业费大涨") == frozenset()
    for plant in ("无证搅拌站紧挨居民小区", "要求搬迁搅拌站", "汀澜雅苑北面搅拌站"):
        assert not any(p.endswith("搅拌站") for p in places(plant)), plant
    # A named plant, and a plant of the district the writer puts elsewhere, still are.
    assert places("投诉宏基搅拌站") == {"宏基搅拌站"}
    assert places("A6区一搅拌站深夜生产") == {"a6区一搅拌站"}


def test_a_clause_ending_in_a_road_word_is_no_road() -> None:
    for clause in ("罐车一路走一路漏", "所以晚上才开挖路", "破碎锤敲路", "还撞坏过小区的围栏"):
        assert places(clause) == frozenset(), clause
    assert places("五一路") == {"五一路"}
    assert places("建设一路") == {"建设一路"}


def test_an_estate_by_its_head_and_the_generic_word_is_the_estate() -> None:
    assert places_agree(frozenset({"汀澜小区"}), ("汀澜雅苑",), False) is True
    assert places_agree(frozenset({"嘉禾丰园"}), ("嘉禾小区",), False) is True
    # Another estate whose name is longer than the head and one estate word.
    assert places_agree(frozenset({"汀澜小区"}), ("汀澜湾花园",), False) is False
    assert places_agree(frozenset({"新兴小区"}), ("新星家园",), False) is False
    # Nor a head with a word as generic as "小区", or one character: often two estates.
    assert places_agree(frozenset({"幸福小区"}), ("幸福家园",), False) is False
    assert places_agree(frozenset({"绿地小区"}), ("绿地新村",), False) is False
    assert places_agree(frozenset({"阳光小区"}), ("阳光苑",), False) is False


def test_a_concrete_firm_is_its_plant_of_the_same_brand() -> None:
    assert places_agree(frozenset({"宏基混凝土公司"}), ("宏基搅拌站",), False) is True
    assert places_agree(frozenset({"宏基混凝土有限公司"}), ("宏基混凝土搅拌站",), False) is True
    assert places_agree(frozenset({"宏基混凝土公司"}), ("中岳搅拌站",), False) is False
    # A firm named without its trade may be another trade's.
    assert places_agree(frozenset({"宏基公司"}), ("宏基搅拌站",), False) is False

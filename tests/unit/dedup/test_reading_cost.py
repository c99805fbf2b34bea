"""Cheaper reading of a letter, with the same outputs (issue 13, speed).

Each faster reading is checked against the slower one it replaced: the kind words of a
topic found by an automaton and each word's own guards (``text._claim_words``) against
the one alternation of them all (``_ALTERNATION``, as the pattern was); the places' comparison read
through the per-place caches against the patterns themselves.
"""

from __future__ import annotations

import random
import re

import pytest

from services.common import places
from services.common.script import occurrences
from services.dedup import features, names, place_agreement, text

#: The kind words' alternation, longest first, as reading a topic was before.
_ALTERNATION = re.compile("|".join(branch for _, branch in text._CLAIM_WORD_BRANCHES))


def _by_pattern(meant: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in _ALTERNATION.finditer(meant)]


@pytest.mark.parametrize(
    "title",
    [
        "南大门市场个体户占道经营偷电",
        "交了物业费电梯还是坏",
        "拒交物业费被断水",
        "开发商拖欠违约金",
        "开发商拖欠工人工资",
        "自来水公司乱收费",
        "宏基搅拌站拖欠工人工资",
        "请求取缔宏基搅拌站",
        "何时交房",
        "交房后发现质量问题",
        "麻将馆扰民",
        "凌晨还在施工 噪音大",
        "",
        "a1区",
    ],
)
def test_kind_words_as_the_alternation_finds_them(title: str) -> None:
    for meant in (text.fold(title), text.as_meant(text.topic(text.fold(title)))):
        assert text._claim_words(meant) == _by_pattern(meant)


def test_kind_words_among_guards_and_each_other() -> None:
    # Every kind word, and every word its guards name, run together at random (seeded):
    # where words overlap, follow each other and meet their guards.
    words = [word for word, _ in text._CLAIM_WORD_BRANCHES]
    guarded = [*text._NOT_BEFORE.values()] + [g for gs in text._NOT_AFTER.values() for g in gs]
    guard_words = sorted({w for g in guarded for w in re.findall("[\u3400-\u9fff]+", g)})
    pieces = [*words, *guard_words, " ", "了", "交", "拒", "公司", "费", "，"]
    chosen = random.Random(13)
    for _ in range(20_000):
        meant = "".join(chosen.choice(pieces) for _ in range(chosen.randint(1, 5)))
        assert text._claim_words(meant) == _by_pattern(meant), meant


def test_first_kind_word_where_the_alternation_finds_it() -> None:
    for title in ("小区门口的烧烤摊油烟很大", "枫桥湾小区业主的诉求", "物业乱收费 噪音"):
        topic = text.topic(text.fold(title))
        found = _ALTERNATION.search(text.as_meant(topic))
        assert text.first_claim_at(topic) == (found.start() if found else -1)


@pytest.mark.parametrize(
    "place",
    [
        "黄花村",
        "泉塘社区",
        "月亮岛街道",
        "人民路",
        "星沙大道",
        "解放大街",
        "宏基搅拌站",
        "宏基混凝土有限公司",
        "宏基商砼站",
        "阳光小区",
        "",
    ],
)
def test_place_words_as_the_patterns_read_them(place: str) -> None:
    assert place_agreement._without_unit_word(place) == place_agreement._UNIT_WORD_RE.sub("", place)
    assert place_agreement._without_road_word(place) == place_agreement._ROAD_WORD_RE.sub("", place)
    found = place_agreement._PLANT_WORDS_RE.search(place)
    assert place_agreement._plant_words(place) == (
        None if found is None else (found.start(), found.group())
    )


def test_plants_and_estates_still_agree() -> None:
    assert place_agreement._plant_by_brand("宏基混凝土公司", "宏基搅拌站")
    assert not place_agreement._plant_by_brand("宏基公司", "宏基搅拌站")
    assert place_agreement._estate_by_head("汀澜小区", "汀澜雅苑")
    assert place_agreement._estate_by_head("汀澜雅苑", "汀澜小区")
    assert not place_agreement._estate_by_head("汀澜花园", "汀澜雅苑")


@pytest.mark.parametrize(
    ("written", "latin"),
    [
        ("", False),
        ("A3区某小区噪音", False),
        ("ab中", True),
        ("ab中文", False),
        ("abc中文", True),
        ("The noise of the plant at 枫桥湾", True),
        ("噪音 noise", True),
        ("噪音噪音噪音 no", False),
    ],
)
def test_mostly_latin_as_counted(written: str, latin: bool) -> None:
    assert text.is_mostly_latin(written) is latin
    assert latin is (len(text._LATIN_RE.findall(written)) > len(text._CJK_RE.findall(written)))


@pytest.mark.parametrize(
    ("place", "bare"),
    [
        ("童趣星教育〔退费〕", "童趣星教育"),
        ("〔退费〕趣星教育", "趣星教育"),
        ("宏基搅拌站", "宏基搅拌站"),
        ("〔未闭合", "〔未闭合"),
    ],
)
def test_place_without_its_facet(place: str, bare: str) -> None:
    assert names._without_facet(place) == bare


def test_numbered_schools_as_the_look_behind_found_them() -> None:
    # The look-behind asked from the first numeral finds what it found asked before it.
    before = re.compile(
        "(?<![一二三四五六七八九十第])[一二三四五六七八九十]{1,3}中"
        "(?![学心国央间午期旬等级型专年部东西南北医文华])"
    )
    chosen = random.Random(4)
    alphabet = "一二三四五六七八九十第中学心县 a"
    for _ in range(20_000):
        written = "".join(chosen.choice(alphabet) for _ in range(chosen.randint(0, 12)))
        assert [m.span() for m in places._NUMBERED_SCHOOL_RE.finditer(written)] == [
            m.span() for m in before.finditer(written)
        ], written


def test_no_names_held_of_a_title_naming_no_kind() -> None:
    assert names.held_names(("枫澜御园小区",), text.topic(text.fold("枫澜御园小区的问题"))) == []
    assert names.held_names(("枫澜御园小区",), text.topic(text.fold("枫澜御园小区噪音扰民"))) == [
        "枫澜御园"
    ]


def test_words_and_bracketed_names_found_as_the_patterns_found_them() -> None:
    chosen = random.Random(7)
    alphabet = "养猪场（长安）()村镇a "
    for _ in range(20_000):
        written = "".join(chosen.choice(alphabet) for _ in range(chosen.randint(0, 20)))
        word = "".join(chosen.choice("养猪场村镇a(") for _ in range(chosen.randint(0, 3)))
        assert occurrences(word, written) == [
            m.start() for m in re.finditer(re.escape(word), written)
        ], (word, written)
        if word:
            assert features._named_in_brackets(word, written) == [
                m.group(1)
                for m in re.finditer(re.escape(word) + "[（(]([\u4e00-\u9fff]{2,5})[）)]", written)
            ], (word, written)
    assert features._named_in_brackets("养猪场", "养猪场（长安）和养猪场(新村)") == ["长安", "新村"]

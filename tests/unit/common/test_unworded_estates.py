"""Estates named without an estate word, and sentence words read as places (issue 13).

A review set of letters many residents of one estate write showed the estate unread when
a title names it bare before its problem ("融科东南海物业费", "万科城12栋电梯",
"碧桂园天玺逾期交房", "湘江世纪城物业"), names broken by a character that stops others
("美的城", "绿地海外滩", "阳光100小区"), and fragments read as places ("帮洪山村",
"今天早上劳动路", "有菜市场") or kinds of place read as names ("老旧小区", "配套幼儿园",
"断头路").
"""

from __future__ import annotations

import pytest

from services.common.places import places


@pytest.mark.parametrize(
    ("title", "estate"),
    [
        ("融科东南海物业费乱收", "融科东南海"),
        ("碧桂园天玺逾期交房", "碧桂园天玺"),
        ("保利麓谷林语电梯坏了半年", "保利麓谷林语"),
        ("金茂悦物业不作为", "金茂悦"),
        ("保利天悦业主维权", "保利天悦"),
        ("请求A市“恒大城”小区配套幼儿园开办公立园", "恒大城"),
    ],
)
def test_a_brand_and_the_name_after_it_before_a_problem_is_an_estate(
    title: str, estate: str
) -> None:
    assert estate in places(title)


@pytest.mark.parametrize(
    ("title", "estate"),
    [
        ("万科城12栋电梯坏了", "万科城"),
        ("湘江世纪城物业不作为", "湘江世纪城"),
        ("投诉K4县舜皇城开发商违建", "舜皇城"),
    ],
)
def test_a_name_of_an_estates_kind_before_a_building_or_its_residents_words(
    title: str, estate: str
) -> None:
    assert estate in places(title)


@pytest.mark.parametrize(
    ("text", "estate"),
    [
        ("美的城小区停车难", "美的城"),
        ("绿地海外滩小区漏水", "绿地海外滩小区"),
        ("海外滩小区漏水", "海外滩小区"),
        ("反映A市阳光100小区没有公办幼儿园的问题", "阳光100小区"),
        ("星河湾什么时候通天然气", "星河湾"),
    ],
)
def test_a_name_holding_a_stop_or_a_number_is_read_whole(text: str, estate: str) -> None:
    assert estate in places(text)


@pytest.mark.parametrize(
    "text",
    [
        # A brand that is a word, or runs into a sentence.
        "确保利益得到保障",
        "小区绿地面积太少",
        "恒大施压业主",
        "万科承诺交房",
        "对K1区招商引进的项目的质疑",
        "我们系开元路华润置地实际业主",
        # A number alone or after a word before an estate word.
        "B市601小区钻石新村",
        # A sentence's words before an estate's kind of name.
        "未经长丰星城业主同意",
        # A ministry's rules before an estate's words.
        "践踏《国务院物业管理条例》",
    ],
)
def test_no_estate_is_read_from_a_sentence(text: str) -> None:
    fragments = ("确保", "保利益", "绿地", "恒大施", "万科承", "招商", "华润置地", "601", "未经")
    assert not any(name.startswith((*fragments, "国务院")) for name in places(text))


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("帮洪山村修路", "洪山村"),
        ("学校招生不收桐木村孩子", "桐木村"),
        ("今天早上劳动路堵车", "劳动路"),
    ],
)
def test_a_sentences_words_glued_before_a_place_are_cut(text: str, place: str) -> None:
    assert places(text) == {place}


@pytest.mark.parametrize(
    "text",
    ["附近有菜市场", "老旧小区改造", "配套幼儿园闲置", "打通断头路", "安置小区漏水"],
)
def test_a_kind_of_place_is_no_name(text: str) -> None:
    assert places(text) == frozenset()


def test_a_name_does_not_run_back_into_a_kind_of_place() -> None:
    assert places("小区配套幼儿园和小学") == frozenset()


def test_a_names_own_have_is_kept() -> None:
    assert "限责任公司" not in places("某某有限责任公司")
    assert places("投诉A市有机食府") == {"有机食府"}

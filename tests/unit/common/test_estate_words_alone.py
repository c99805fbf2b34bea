"""Estates residents name by other estate words, bare before their residents, and
sentence fragments no longer read as places (issue 13, session 21).

Real letters name estates "湘江豪庭", "集美郡", "富豪名城", "新城国际花都", "拉菲山庄",
"海伦春天" without "小区"; name them bare before who writes or a building ("碧水云天业主",
"滨江天著3栋的住户"); and a developer's estate before its children's schooling ("万科紫台
入学"). Going, mending and a child's schooling ("卷款跑路", "修路", "孩子明年上幼儿园")
name no road or school.
"""

from __future__ import annotations

import pytest

from services.common.places import places


@pytest.mark.parametrize(
    ("text", "estate"),
    [
        ("湘江豪庭用电问题请督办", "湘江豪庭"),
        ("A6区集美郡没有天然气", "集美郡"),
        ("我们集美郡的业住都在问", "集美郡"),
        ("富豪名城停车难", "富豪名城"),
        ("新城国际花都物业费涨价不合理", "新城国际花都"),
        ("融侨悦城逾期交房", "融侨悦城"),
        ("凯乐国际城一期漏水", "凯乐国际城"),
        ("投诉拉菲山庄非法占地", "拉菲山庄"),
        ("海伦春天下水道堵塞", "海伦春天"),
    ],
)
def test_other_estate_words_end_a_name(text: str, estate: str) -> None:
    assert estate in places(text)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        # Before a longer place word, the name is read as before ("X小区", a school).
        ("海伦春天小区停车难", "海伦春天小区"),
        ("一中新华都学校收费", "一中新华都学校"),
        ("富贵豪庭酒店噪音", "富贵豪庭酒店"),
    ],
)
def test_an_estate_word_before_a_longer_place_word_ends_no_name(text: str, read: str) -> None:
    assert read in places(text)


@pytest.mark.parametrize(
    "text",
    [
        "就读长郡梅溪湖中学",
        "今年春天雨水多",
        "长沙是历史文化名城",
    ],
)
def test_a_school_a_season_or_a_citys_fame_is_no_estate(text: str) -> None:
    assert not {p for p in places(text) if p.endswith(("郡", "春天", "名城"))}


@pytest.mark.parametrize(
    ("text", "estate"),
    [
        ("碧水云天业主再次反映变电站噪声问题", "碧水云天"),
        ("碧水云天6栋7栋的业住反应", "碧水云天"),
        ("请问A2区雨坛变电站离碧水云天居民楼这么近", "碧水云天"),
        ("我们是滨江天著3栋的住户", "滨江天着"),
        ("万润滨江天著3栋电梯三天两头坏", "万润滨江天着"),
        ("水岸世景业主反映", "水岸世景"),
        ("未经长丰星城业主同意", "长丰星城"),
    ],
)
def test_a_name_before_its_residents_or_a_building_is_an_estate(text: str, estate: str) -> None:
    assert estate in places(text)


@pytest.mark.parametrize(
    "text",
    ["前几天业主开会", "严重影响居民休息", "困扰着居民", "造福两岸居民", "每天住户都在问"],
)
def test_a_sentence_before_residents_is_no_estate(text: str) -> None:
    assert places(text) == frozenset()


@pytest.mark.parametrize(
    ("text", "estate"),
    [("万科紫台入学问题", "万科紫台"), ("A6区万科紫台划片问题再反映", "万科紫台")],
)
def test_a_brands_estate_ends_before_its_childrens_schooling(text: str, estate: str) -> None:
    assert places(text) == frozenset({estate})


@pytest.mark.parametrize(
    "text",
    [
        "启航英语培训机构卷款跑路",
        "老板携款跑路",
        "村民自己出钱修路",
        "孩子上学只能走路",
        "带着创新思路",
        "改装车上路",
        "孩子明年上幼儿园",
        "孩子明年读小学",
        "小孩很快要上幼儿园",
        "星沙上小学",
    ],
)
def test_going_mending_or_a_childs_schooling_names_no_place(text: str) -> None:
    assert places(text) == frozenset()


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("孩子去萍洲小学要走很远", "萍洲小学"),
        ("小孩读泉塘幼儿园", "泉塘幼儿园"),
        ("书包走路去星沙一桥", "星沙一桥"),
        ("公交车经过开元路", "开元路"),
        ("小区对面金地大市场", "金地大市场"),
        ("开发建设泰山名城", "泰山名城"),
    ],
)
def test_a_place_after_a_sentences_words_is_read_without_them(text: str, place: str) -> None:
    assert place in places(text)


def test_an_assigned_school_is_the_school() -> None:
    assert "实验小学" in places("买房的时候销售说是对口实验小学的")


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("富力城配套幼儿园变成了高价私立", frozenset({"富力城"})),
        ("政府移交配套幼儿园", frozenset()),
        ("配套公办幼儿园迟迟不开", frozenset()),
        ("经开区产业工人生活配套园选址", frozenset({"工人生活配套园"})),
    ],
)
def test_what_an_estate_is_to_have_is_no_name(text: str, read: frozenset[str]) -> None:
    assert places(text) == read


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("小区宽带被一家公司垄断", frozenset()),
        ("请求电信公司尽快维修", frozenset({"电信公司"})),
    ],
)
def test_one_of_a_kind_or_a_request_is_no_part_of_a_name(text: str, read: frozenset[str]) -> None:
    assert places(text) == read


@pytest.mark.parametrize(
    ("text", "estate"),
    [("中建钰和城快递问题", "中建钰和城"), ("中建嘉和城业主维权", "中建嘉和城")],
)
def test_a_word_brand_before_an_estates_kind_of_name_is_read(text: str, estate: str) -> None:
    assert estate in places(text)


def test_a_word_brand_before_a_firms_unit_is_no_estate() -> None:
    assert "中建三局" not in places("中建三局施工扰民")

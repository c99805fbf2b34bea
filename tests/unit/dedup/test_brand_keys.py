"""A business, a school or a plant named by its brand: its letters are candidates of each
other (issue 13).

Residents name one business in several forms, its brand with one trade word or another,
or its brand alone after a road ("童趣星早教关门跑路", "投诉童趣星早教中心", "童趣星教育";
"宏基混凝土公司噪音污染", "沩水东路宏基混凝土搅拌站夜间生产"): the letters often share no
place and no estate, so without a key of the brand no score is ever computed. The brand
(``names.brand_keys``) is only a lookup: whether the two letters are one matter is still
scoring's.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup import names
from services.dedup.config import DedupConfig
from services.dedup.features import NO_BANDS, extract_features
from services.dedup.matcher import Matcher
from services.dedup.state import InMemoryMatchState
from tests.unit.dedup.letters import letter

START = datetime(2020, 3, 2, 9, tzinfo=UTC)
REGION = "430104"


def test_one_business_in_its_several_forms_shares_a_key() -> None:
    school = {
        "童趣星早教关门跑路",
        "投诉童趣星早教中心",
        "童趣星教育〔退费〕",
        "一家叫童趣星的早教中心关门了",
    }
    keys = [set(names.held_brands((), title)) for title in school]
    assert set.intersection(*keys) == {"商:童趣", "商:趣星"}
    plant = ["宏基混凝土公司噪音污染", "沩水东路宏基混凝土搅拌站夜间生产"]
    assert [names.brand_keys(title) for title in plant] == [("商:宏基",), ("商:宏基",)]
    assert names.brand_keys("湘中职院乱收费") == names.brand_keys("湘中职业技术学院")
    assert names.brand_keys("恒居物业强行涨物业费") == ("商:恒居",)


def test_kinds_sentences_and_national_brands_are_no_brand() -> None:
    for words in (
        "小区物业乱收费",
        "环保部门管管搅拌站",
        "楼下饭店油烟扰民",
        "人民医院看病难",
        "自来水厂停水",
        "公立幼儿园收费",
        "万科物业乱收费",
        # An estate's property manager: the estate's own keys find its letters.
        "嘉禾丰园物业费上涨",
        # The first words of a longer run only: "处理" is no brand.
        "花桥污水处理厂",
    ):
        assert all(key == "商:花桥" for key in names.brand_keys(words)), words


def test_a_letter_naming_the_business_finds_another_naming_it_otherwise() -> None:
    config = DedupConfig()
    state = InMemoryMatchState()
    first = letter(
        0,
        "投诉童趣星早教中心",
        "您好，我家孩子在童趣星上课，充了6800元，还剩四十多节课，上周去上课发现门关了，"
        "老师和前台都联系不上，请相关部门帮我们追回预付的课时费。",
        start=START,
        region=REGION,
        ref="pr_first",
    )
    Matcher(state, config).match(first)
    second = letter(
        3,
        "童趣星早教预付费退费求助",
        "童趣星早教中心关门已经快两个星期了，我们交的学费一分没退，几十个家长都在群里着急，"
        "请教育局和市场监管局督促退费。",
        start=START,
        region=REGION,
        ref="pr_second",
    )
    features = extract_features(second, config)
    places = sorted(features.places)
    sequences = state.index.candidates(
        second.region_code,
        None,
        (),
        places,
        NO_BANDS,
        config,
        names.probes(features.topic, places),
    )
    assert [state.index.case_id(sequence) for sequence in sequences] == [first.case_id]


def test_an_estate_a_title_begins_with_after_its_road_or_before_a_clause_is_held() -> None:
    # "云锦台" named bare: after its road, before what the buyers were made to do; the
    # other titles' words look it up.
    for title in ("雨桐路云锦台房位一体销售", "云锦台买房必须买车位"):
        assert "云锦台" in names.held_names((), title), title
    assert "云锦台" in names.probes("云锦台车位合同能否退", ())
    # A title beginning with a kind, a body or a road's works holds none of it.
    for title in ("物业费凭什么涨", "环保部门管管搅拌站", "金桥北路工地噪音"):
        assert names.leading_name(title) == "", title


def test_a_place_named_with_another_kind_word_shares_its_stem() -> None:
    # One estate, one market, one kindergarten's estate, written with another kind word.
    for one, other in (
        ("澜岸小区", "澜岸家园"),
        ("桂花坪社区", "桂花坪小区"),
        ("北辰三角洲幼儿园", "北辰三角洲小区"),
        ("鑫城国际项目", "鑫城国际小区"),
    ):
        assert names.place_stem(one) == names.place_stem(other) != "", (one, other)
    # A kind, a sentence, a site's kind or a subject has none.
    for place in ("楼下广场", "我们小区", "安置小区", "地铁工地", "星沙镇小区", "〔垃圾站〕澜岸"):
        assert names.place_stem(place) == "", place

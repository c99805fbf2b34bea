"""Kinds of an estate's ordinary problems read from real letters (``estate_kinds``, issue 13).

A review set of one estate's ordinary problems found most of its letters naming no kind:
its gas, its broadband, its kindergarten, its stalled building, its owners' committee, its
market, its square dancers, its water. Two residents' letters on one of them are one matter
at the bar of one kind; a water cut and the estate's power cuts are two (two agencies, two
remedies); and a word is not its kind where it names something else.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.dedup import claim_words, estate_kinds, text
from tests.unit.dedup.letters import letter, run

START = datetime(2019, 5, 6, 9, tzinfo=UTC)


def _kinds(title: str) -> frozenset[str]:
    return text.claims(text.topic(text.fold(title)))


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("请求解决A5区左家塘桂花村天燃气安装问题", "gas_supply"),
        ("A7县龙华安置区二期居民咨询天然气接入问题", "gas_supply"),
        ("咨询G市花岩溪镇荆树湾村宽带资源覆盖一事", "broadband"),
        ("请求A市政府及时接收“恒大城”小区配套幼儿园并开办公立园", "estate_kindergarten"),
        ("关于A4区珠江郦城公园幼儿园拖延一年多未开园招生的投诉", "estate_kindergarten"),
        ("投诉A5区泰英汇景豪庭烂尾", "late_handover"),
        ("反映A市美麓阳光住宅楼无故停工以及质量问题", "late_handover"),
        ("希望A7县有关部门推动成立恒广国际景园小区业委会", "owners_committee"),
        ("反映A7县泉塘小学校门口的交通问题", "school_traffic"),
        ("反映A8县金洲新区高新安置房分配问题", "resettlement_housing"),
        ("恳请在A7县榔梨街道请求增加一个地铁口", "metro_exit"),
        ("残疾人希望A4区福泽园物业增设电动车充电桩", "ebike_charging"),
        ("希望A市政府新建一个菜市场", "market_wanted"),
        ("关于A7县封刀岭社区广场舞扰民的投诉和建议", "square_dancing"),
        ("投诉A4区威尔士春天物业管理混乱", "property_service"),
        ("投诉B9市B9市大道旗滨公园里小区长期停水", "water_cut"),
        ("B2区江南世家水改后，水压不正常", "water_cut"),
        ("投诉K市东海家园拖延交房且停工", "late_handover"),
        ("L4县文昌商贸城小区全体业主请求办证", "property_certificate"),
        ("A市梨子山居民质疑学区划分问题", "school_admission"),
        ("咨询A7县公立幼儿园入园问题", "school_admission"),
        ("再次投诉M3县上渡街道办祥和街有机食府厨房大型抽风机噪音吵人", "noise"),
        ("东沙路新天地段黑灯瞎火", "street_lights"),
    ],
)
def test_a_real_titles_problem_is_read(title: str, kind: str) -> None:
    assert kind in _kinds(title)


@pytest.mark.parametrize(
    ("title", "not_kind"),
    [
        # The gas firm's charges are fees.
        ("B市油中燃气乱收费现象多次投诉未果", "gas_supply"),
        ("关于K2区天然气消费价格的质疑！", "gas_supply"),
        ("举报L市地区民中燃气公司严重偷税", "gas_supply"),
        # A kindergarten read as a place is every estate's: its private fees are not a
        # kindergarten kept from opening.
        ("咨询A5区新城新世界小区配套幼儿园的问题", "estate_kindergarten"),
        # A path beside a stalled building.
        ("请求给L1区玉溪路华夏湖天烂尾楼旁修一条便道", "late_handover"),
        # A factory ordered to stop is its pollution, not a stalled project.
        ("L12市安江镇两路口砖厂污染太重，请求政府勒令停工停产整顿", "late_handover"),
        # The committee's head spending the repair fund.
        ("投诉L1区湖天一色东苑楼业委会主任非法使用维修基金", "owners_committee"),
        # Resettlement homes sold or transferred.
        ("咨询L10县县永平路安置房过户交易问题", "resettlement_housing"),
        # A card or a licence, not a home's certificate.
        ("希望G市残疾人办证能方便点", "property_certificate"),
        ("希望A市工商局能精简办证手续，为创业者解难", "property_certificate"),
        # A lift switched off is no power cut.
        ("投诉K2区学府名邸开发商擅自关停电梯", "supply_cut"),
        # A market's stalls and noise are not a market wanted.
        ("投诉F5县工农桥菜市场占道经营，造成噪音扰民", "market_wanted"),
    ],
)
def test_a_word_naming_something_else_is_not_its_kind(title: str, not_kind: str) -> None:
    assert not_kind not in _kinds(title)


def test_a_water_cut_is_not_a_power_cut() -> None:
    assert _kinds("J1区自来水公司频繁停水问题无人解决") == {"water_cut"}
    # A power cut is of the family of an estate's power (``estate_kinds.FAMILIES``).
    assert _kinds("投诉M5市桥头河镇连续两年除夕夜大范围停电") == {"supply_cut", "family:power"}
    assert _kinds("投诉G市云泽广场物业恶意断水断电") == {"water_cut", "supply_cut", "family:power"}
    assert text.area_wide(frozenset({"water_cut"}))


def test_no_word_is_of_two_kinds() -> None:
    first = {w for words in text.CLAIM_KINDS.values() for w in words}
    read = {w for words in claim_words.CLAIM_WORDS.values() for w in words}
    counted: dict[str, int] = {}
    for words in estate_kinds.CLAIM_WORDS.values():
        for word in words:
            counted[word] = counted.get(word, 0) + 1
    assert not (first | read) & set(counted)
    assert all(n == 1 for n in counted.values())
    assert claim_words.KIND_OF_WORD.items() >= estate_kinds.KIND_OF_WORD.items()


def test_an_estates_gas_in_two_residents_words_is_one_matter() -> None:
    decisions = run(
        [
            letter(
                0,
                "A5区金桂苑小区天然气迟迟不通",
                "金桂苑小区交房入住已经两年，天然气管道早就铺到楼下，开户费也交了，到现在"
                "还没有通气，一家人天天用电磁炉做饭，请求尽快开通。",
                start=START,
                region="430111",
                ref="pr_a",
            ),
            letter(
                9,
                "金桂苑业主盼望早日用上燃气",
                "我是金桂苑的业主，小区的燃气一直接不进来，问开发商说等燃气公司，问燃气公司"
                "说等开发商，冬天烧水做饭全靠电磁炉，希望政府协调早日通气。",
                start=START,
                region="430111",
                ref="pr_b",
            ),
        ]
    )
    assert decisions[1].matter_id == decisions[0].matter_id


def test_an_estates_water_cut_and_its_power_cuts_are_two_matters() -> None:
    decisions = run(
        [
            letter(
                0,
                "A5区金桂苑小区爆管停水一整天",
                "金桂苑小区门口的主管道昨天爆管，整个小区停水一整天，老人小孩生活很不方便，"
                "请求有关部门尽快抢修，不要让小区居民再受这样的罪。",
                start=START,
                region="430111",
                ref="pr_a",
            ),
            letter(
                9,
                "金桂苑小区三天两头停电",
                "金桂苑小区这个月已经停电五次，每次停好几个小时，老人小孩生活很不方便，"
                "请求有关部门查明原因，不要让小区居民再受这样的罪。",
                start=START,
                region="430111",
                ref="pr_b",
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id

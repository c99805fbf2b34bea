"""Families of kinds: one problem written as two kinds at one place (``estate_kinds.FAMILIES``,
issue 13).

Residents of one estate or village describe one problem by its different symptoms: an estate's
gas not connected and the connection fee asked for it, its power cut and the temporary supply
behind it, its homes' quality and their leaks and cracks, a quarry and its blasting, a moved
household's homes and its transitional pay. A title naming one kind of a family and another
naming another of it at the same place are one matter; a fee's level (its price checked) is
not the gas withheld for it, and the family is no kind of another place's.
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
    ("title", "family"),
    [
        ("关于A6区映月台小区燃气开户费的投诉", "family:gas"),
        ("投诉E12市和润置业开发商非法收取燃气开户费299万元", "family:gas"),
        ("映月台小区天然气迟迟不通", "family:gas"),
        ("反映A8县木水清华二期临时用电与住房物业问题", "family:power"),
        ("反映A6区星辰湾小区开发商拖欠电费导致停电", "family:power"),
        ("投诉M5市桥头河镇连续两年除夕夜大范围停电", "family:power"),
        ("反映A8县市星河弯房屋质量问题", "family:quality"),
        ("德润园小区外墙渗水", "family:quality"),
        ("请求对德润园小区进行房屋安全鉴定", "family:quality"),
        ("投诉L2县下坪乡壮稻村采石场炸药震坏村民房屋致开裂", "family:quarry"),
        ("东旭村拆迁过渡费停发", "family:resettlement"),
        ("东升村拆迁户安置房逾期", "family:resettlement"),
        ("强烈反对A市绿地香树花城项目变更规划", "family:estate_plan"),
        ("A5区洞井一小区业主反对在小区公共绿地建设停车场", "family:estate_plan"),
    ],
)
def test_a_real_titles_family_is_read(title: str, family: str) -> None:
    assert family in _kinds(title)


@pytest.mark.parametrize(
    "title",
    [
        # A gas charge's level is its price, a fee: not the gas withheld.
        "保利香槟国际燃气开户费太高",
        "关于K2区天然气消费价格的质疑",
        # A power bill's markup is the resale's, not the cut's family.
        "万象新天物业多收电费",
    ],
)
def test_a_fees_level_or_a_markup_is_of_no_family(title: str) -> None:
    assert not {k for k in _kinds(title) if k.startswith(text.FAMILY)}


def test_a_developers_unpaid_power_bill_is_no_wage() -> None:
    assert "wages" not in _kinds("反映A6区星辰湾小区开发商拖欠电费导致停电")
    assert "wages" in _kinds("恒钜电子厂拖欠工人工资")


def test_a_title_is_read_as_its_family() -> None:
    assert text.main_claim(text.topic(text.fold("映月台燃气费纠纷"))) == "family:gas"
    assert text.main_claim(text.topic(text.fold("星辰湾小区频繁停电"))) == "family:power"
    assert text.main_claim(text.topic(text.fold("滨江御景园停车难"))) == "parking"


def test_a_family_of_cuts_is_still_an_areas() -> None:
    assert text.area_wide(_kinds("投诉M5市桥头河镇连续两年除夕夜大范围停电"))
    assert not text.area_wide(_kinds("请求解决星辰湾小区临时用电问题"))


def test_two_kinds_of_one_family_do_not_differ() -> None:
    assert not text.claims_differ(
        _kinds("映月台小区天然气迟迟不通"), _kinds("映月台业主重复交燃气费")
    )
    assert text.claims_differ(_kinds("保利香槟国际燃气不通"), _kinds("保利香槟国际燃气开户费太高"))


def test_every_familys_kinds_and_words_are_read() -> None:
    kinds = set(claim_words.KIND_OF_WORD.values()) | set(text.CLAIM_KINDS)
    for family_kinds, words in estate_kinds.FAMILIES.values():
        assert family_kinds <= kinds
        assert all(w in claim_words.KIND_OF_WORD for w in words)


def test_an_estates_gas_fee_and_its_gas_not_connected_are_one_matter() -> None:
    decisions = run(
        [
            letter(
                0,
                "关于A5区金桂苑小区燃气开户费的投诉",
                "金桂苑小区交房时，燃气公司要求每户交三千元燃气开户费才给通气，可购房合同"
                "写明房价包含水电气配套费用，业主入住半年还用不上天然气，请求核查。",
                start=START,
                region="430111",
                ref="pr_a",
            ),
            letter(
                9,
                "金桂苑小区天然气迟迟不通",
                "我们金桂苑小区入住几百户，天然气一直不通，燃气公司说开发商没有付配套费，"
                "要业主自己交，每天只能用电磁炉做饭，请政府协调。",
                start=START,
                region="430111",
                ref="pr_b",
            ),
        ]
    )
    assert decisions[1].matter_id == decisions[0].matter_id


def test_an_estates_gas_fee_too_high_and_its_gas_not_connected_are_two_matters() -> None:
    decisions = run(
        [
            letter(
                0,
                "金桂苑燃气不通",
                "金桂苑三期交房快一年了，燃气还没有开通，开发商和燃气公司互相推诿，做饭只能"
                "用电磁炉，请求协调。",
                start=START,
                region="430111",
                ref="pr_a",
            ),
            letter(
                9,
                "金桂苑燃气开户费太高",
                "金桂苑小区燃气公司收取燃气开户费每户三千八，比别的小区高很多，有没有收费"
                "依据，请求物价局核查。",
                start=START,
                region="430111",
                ref="pr_b",
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        # Real titles that read no kind before (``claim_words``).
        ("咨询F5县农村医疗保险缴费的相关问题", "medical_insurance"),
        ("咨询L市合作医疗的相关问题", "medical_insurance"),
        ("C市购房补贴二年多时间了，没有下文", "housing_subsidy"),
        ("咨询残疾病人建房补贴政策", "housing_subsidy"),
        ("希望A7县政府协助在黄花村吴家田土地庙旁修水泥路", "road_paving"),
        ("反映A7县蝴蝶谷小区无公交车的问题", "bus_course"),
        ("请求整治A8县春城路城北中学春城校区段放学前后交通堵塞问题", "school_traffic"),
        ("请求上级政府解决C5市韶润村的喝水问题", "drinking_water"),
        ("对A市万芙北路由南往北右转至迎新路的右转道标线设置的建议", "turns"),
        ("反映三中高三周六上课收费的问题", "extra_classes"),
    ],
)
def test_a_real_title_reading_no_kind_before_is_read(title: str, kind: str) -> None:
    assert kind in _kinds(title)


@pytest.mark.parametrize(
    ("title", "not_kind"),
    [
        ("水泥路面破损", "road_paving"),
        ("反映A7县蝴蝶谷小区无公交车站", "bus_course"),
        ("拆迁户补偿款迟迟不到位", "transition_fees"),
    ],
)
def test_a_word_naming_something_else_is_not_its_kind(title: str, not_kind: str) -> None:
    assert not_kind not in _kinds(title)

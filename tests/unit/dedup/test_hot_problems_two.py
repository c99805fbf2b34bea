"""A board's hot problems, second round (issue 13): estates named as a mansion ("悦江府",
"芙蓉华府") or a bay ("翡翠湾", "山水湾"), which the reading of places did not take for
names at all, so their residents' letters had neither a place nor a subject; and an
estate named with its developer's brand by one writer and without it by the next
("金地悦江府", "悦江府"; "碧桂园翡翠湾", read as no place at all).

Each test fails before the change: the names were not read, the letters not linked.
"""

from __future__ import annotations

from services.common.places import places
from services.dedup.features import subject_key
from services.dedup.place_agreement import subjects_agree
from tests.unit.dedup.test_hot_problems import _letters, _subject


def test_an_estate_named_as_a_mansion_or_a_bay_is_a_place() -> None:
    assert places("悦江府车位强卖问题") == {"悦江府"}
    assert places("我们是芙蓉华府的住户") == {"芙蓉华府"}
    assert places("A5区山水湾小区旁搅拌站扰民") == {"山水湾"}
    assert places("我在悦江湾买了房") == {"悦江湾"}
    # A village named as a bay is the village ("刘家湾村"), not an estate "刘家湾".
    assert places("老家在刘家湾村口") == {"刘家湾村"}


def test_a_government_a_seat_or_a_sea_is_no_estate() -> None:
    for text in (
        "希望市政府重视",
        "A2区人民政府门口",
        "向区政府反映",
        "在王府井买衣服",
        "四川是天府之国",
        "最高学府的学生",
        "来自台湾的游客",
        "温暖的港湾",
        "粤港澳大湾区建设",
        "渤海湾的海水",
    ):
        assert places(text) == frozenset(), text


_SOLD = "开发商要求必须先买车位，不买车位就不给办交房手续，也不给钥匙，请求查处。"


def test_buyers_letters_on_an_estate_named_as_a_mansion_have_its_subject() -> None:
    assert _subject("悦江府小区车位强卖问题", "我们悦江府小区的业主反映，" + _SOLD) == (
        "悦江府〔强卖车位〕"
    )
    assert _subject("芙蓉华府楼下烧烤店油烟扰民", "芙蓉华府2栋楼下烧烤店油烟直排。").startswith(
        "芙蓉华府〔"
    )


def test_buyers_letters_at_a_mansion_link_and_its_other_problems_stay_apart() -> None:
    forced = ("悦江府小区车位强卖问题", "我们悦江府小区的业主反映，" + _SOLD)
    again = ("悦江府不买车位不给交房", "悦江府这边交房的时候销售说不买车位就不能收房，" + _SOLD)
    parking_fee = (
        "悦江府地下车库停车费上涨",
        "悦江府的物业把地下车库月租停车费从200元涨到350元，没有征求业主意见，请价格部门核查。",
    )
    other_estate = ("悦江湾开发商强卖车位", "悦江湾的" + _SOLD)
    decisions = _letters(forced, parking_fee, again, other_estate)
    ids = [d.matter_id for d in decisions]
    assert ids[0] == ids[2], ids
    assert len({ids[0], ids[1], ids[3]}) == 3, ids


def test_an_estate_with_or_without_its_developers_brand_is_one_estate() -> None:
    assert subjects_agree("金地悦江府〔强卖车位〕", "悦江府〔强卖车位〕")
    assert subject_key("金地悦江府〔强卖车位〕") == subject_key("悦江府〔强卖车位〕")
    assert subjects_agree("万科魅力之城〔油烟〕", "魅力之城〔油烟〕")
    # A name's own first words are no brand; another estate of the name stays apart.
    assert not subjects_agree("金色滨河苑〔强卖车位〕", "滨河苑〔强卖车位〕")
    assert not subjects_agree("金地悦江府〔强卖车位〕", "悦江湾〔强卖车位〕")
    # A brand that is a generic word before the estate leaves the estate.
    assert places("A7县碧桂园翡翠湾强制业主购买车位") == {"翡翠湾"}
    assert places("碧桂园威尼斯城") == frozenset()


def test_buyers_letters_with_and_without_the_developers_brand_link() -> None:
    branded = ("金地悦江府项目车位强制购买", "金地悦江府项目的" + _SOLD)
    plain = ("悦江府小区车位强卖问题", "我们悦江府小区的业主反映，" + _SOLD)
    fees = (
        "金地悦江府物业收费标准过高",
        "金地悦江府还没交房物业就公布了收费标准，每平米3.2元，请问物业费定价是否经过审批？",
    )
    decisions = _letters(branded, fees, plain)
    ids = [d.matter_id for d in decisions]
    assert ids[0] == ids[2] != ids[1], ids

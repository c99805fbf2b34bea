"""Villages and roads typed by their sound, between strangers (issue 13).

Residents type place names with a pinyin input method and pick the wrong character of the
right sound: "同仁村" for "桐仁村", "转朝四组工路" for "转朝四组公路". Such a village or
road is looked up by its sound too, so the letter typing it by sound meets the earlier
ones, and it is one place when one character differs and shares a reading, tone and all.
Estates only of three characters or more ("天心家园", "天鑫家园"; not "新兴小区", "新星小区").
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup.config import DedupConfig
from services.dedup.index_builder import IndexBuilder
from services.dedup.index_keys import looked_up_sounds
from services.dedup.place_agreement import places_agree
from services.dedup.records import CaseColumns
from services.dedup.sounds import sound_key
from tests.unit.dedup.letters import NO_BANDS, indexed, letter, run

START = datetime(2019, 8, 1, 9, tzinfo=UTC)
COUNTY = "431124"


def test_a_village_or_road_is_keyed_by_its_sound_an_estate_is_not() -> None:
    assert sound_key("同仁村") == sound_key("桐仁村") == "村:tong ren"
    assert sound_key("转朝四组公路") == sound_key("转朝四组工路")
    assert sound_key("团头村转朝四组") == "村:tuan tou cun zhuan chao si"
    assert sound_key("桐仁社区") == sound_key("同仁社区")
    assert sound_key("花卉大道") == sound_key("花会大道")
    # Not estates (an estate's "新村" neither), subjects, names of one character or with
    # a digit.
    for place in ("天心家园", "工人新村", "名苑", "阳光小区〔油烟〕", "东村", "4组", "3号路"):
        assert sound_key(place) is None, place
    assert looked_up_sounds(("同仁村", "桐仁村", "阳光小区")) == ["村:tong ren"]


def test_strangers_village_or_road_typed_by_sound_is_one_place() -> None:
    assert places_agree(frozenset({"同仁村"}), ("桐仁村",), lenient=False) is True
    assert places_agree(frozenset({"转朝四组工路"}), ("转朝四组公路",), lenient=False) is True
    # Not two characters apart, nor one of another sound, nor a tone apart ("庄" zhuāng,
    # "壮" zhuàng), nor a village and a road of one sound.
    assert places_agree(frozenset({"同人村"}), ("桐仁村",), lenient=False) is False
    assert places_agree(frozenset({"同安村"}), ("桐安村",), lenient=False) is True
    assert places_agree(frozenset({"同安村"}), ("同宁村",), lenient=False) is False
    assert places_agree(frozenset({"李庄村"}), ("李壮村",), lenient=False) is False
    assert places_agree(frozenset({"同仁路"}), ("桐仁村",), lenient=False) is False
    # Between strangers, estates' names of three characters or more one character apart,
    # that character of one sound and tone, are one estate typed two ways: every such
    # pair in the 2,781 real letters was ("万佳名城"/"万家名城", "学府铭邸"/"学府名邸",
    # "家和院"/"家和苑"; issue 13). Of two characters they were
    # two estates ("新兴小区", "新星小区").
    assert places_agree(frozenset({"天心家园"}), ("天鑫家园",), lenient=False) is True
    # Schools between strangers are compared as written.
    assert places_agree(frozenset({"萍州小学"}), ("苹洲小学",), lenient=False) is False


def test_the_index_finds_a_village_typed_by_its_sound() -> None:
    config = DedupConfig()
    index, record = indexed(("桐仁村",), config=config)
    for places in (("同仁村",), ("桐仁村",)):
        assert index.candidates("610302", None, (), places, NO_BANDS, config) == [0], places
    assert index.candidates("610302", None, (), ("同安村",), NO_BANDS, config) == []
    # A rebuilt index answers alike.
    builder = IndexBuilder(config)
    builder.add(CaseColumns.decode({record.case_id: record.encode()}, record.signature.size))
    rebuilt = builder.build()
    assert rebuilt.candidates("610302", None, (), ("同仁村",), NO_BANDS, config) == [0]
    index.remove(record)
    assert index.candidates("610302", None, (), ("同仁村",), NO_BANDS, config) == []


ROAD_FIRST = (
    "请求硬化K6县团头村转朝四组公路",
    "团头村转朝四组公路硬化，主线全程四公里多正在硬化，另有下白杨、上白杨两条分线共八百多米，"
    "下白杨分线已经硬化，上白杨分线两百米路基都整好了却说不硬化了，村民意见很大。",
)
ROAD_SECOND = (
    "请求支持K6县牙屯堡镇团头村转朝四组工路硬化",
    "关于团头村转朝四组工路硬化一事：我组村民已向镇和县交通局申请，经同意两条分线一起"
    "硬化，现在剩余两百米路段就不硬化了，望上级领导调查支持。",
)


def test_strangers_letters_on_a_road_typed_by_sound_are_one_matter() -> None:
    decisions = run(
        [
            letter(n, title, content, start=START, region=COUNTY, ref=f"pr_{n}")
            for n, (title, content) in ((0, ROAD_FIRST), (5, ROAD_SECOND))
        ]
    )
    assert decisions[1].matter_id == decisions[0].matter_id


def test_strangers_letters_on_another_road_of_the_village_are_two_matters() -> None:
    # 桥 is not 朝 by its sound: the village's other group's road.
    apart = (ROAD_SECOND[0].replace("转朝", "转桥"), ROAD_SECOND[1].replace("转朝", "转桥"))
    decisions = run(
        [
            letter(n, title, content, start=START, region=COUNTY, ref=f"pr_{n}")
            for n, (title, content) in ((0, ROAD_FIRST), (5, apart))
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id

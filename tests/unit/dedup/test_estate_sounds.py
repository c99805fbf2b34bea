"""Estates typed by their sound are looked up by it, between strangers (issue 13).

Residents type an estate's name with a pinyin input method and pick the wrong character of
the right sound ("锦林府" for "锦麟府", "央玉小区" for "央誉小区"), or leave its "小区" or its
developer's brand off ("新希望锦麟府", "建发央誉"). Such a letter shares no place with the
letters naming the estate right, so it is looked up by the sound of its estates' names too
(``sounds.estate_sound_key``): it meets them as candidates. Only a lookup: whether the two
are one estate is still for ``place_agreement`` to say ("新星小区", "新兴小区" are two).
"""

from __future__ import annotations

from services.dedup.config import DedupConfig
from services.dedup.index_builder import IndexBuilder
from services.dedup.index_keys import estate_sounds
from services.dedup.place_agreement import places_agree
from services.dedup.records import CaseColumns
from services.dedup.sounds import estate_sound_key
from tests.unit.dedup.letters import NO_BANDS, indexed


def test_an_estate_is_keyed_by_its_names_sound() -> None:
    assert estate_sound_key("锦林府") == "宅:jin lin fu"
    for place in ("锦麟府", "锦麟府小区", "新希望锦麟府"):
        assert estate_sound_key(place) == "宅:jin lin fu", place
    # Two characters of name after a developer's brand or before "小区".
    assert estate_sound_key("央玉小区") == estate_sound_key("建发央誉") == "宅:yang yu"
    assert estate_sound_key("德正园") == estate_sound_key("德政园")
    assert estate_sound_key("碧桂园天喜") == estate_sound_key("碧桂园天玺")
    # A brand before a kind of estate, or one character, is the whole name's ("金茂花园").
    assert estate_sound_key("恒大名都小区") == estate_sound_key("恒大名都") == "宅:heng da ming dou"
    assert estate_sound_key("万科城小区") == estate_sound_key("万科成") == "宅:wan ke cheng"


def test_what_is_no_estate_has_no_sound_key() -> None:
    # A village or road (keyed by ``sound_key``), a park or school, a subject, a developer
    # alone, a word of many estates' names, two characters ending as an estate's.
    for place in (
        "同仁村",
        "人民路",
        "人民公园",
        "实验幼儿园",
        "锦林府〔油烟〕",
        "〔基站〕嘉和苑",
        "万科",
        "花园小区",
        "御园小区",
        "锦城",
        "联系厂",
        "问过街道",
    ):
        assert estate_sound_key(place) is None, place
    assert estate_sounds(("锦林府", "锦麟府小区", "人民路")) == ["宅:jin lin fu"]


def test_the_index_finds_an_estate_typed_by_its_sound() -> None:
    config = DedupConfig()
    index, record = indexed(("新希望锦麟府",), config=config)
    for places in (("锦林府",), ("锦麟府小区",), ("新希望锦麟府",)):
        assert index.candidates("610302", None, (), places, NO_BANDS, config) == [0], places
    assert index.candidates("610302", None, (), ("锦林苑",), NO_BANDS, config) == []
    # A rebuilt index answers alike.
    builder = IndexBuilder(config)
    builder.add(CaseColumns.decode({record.case_id: record.encode()}, record.signature.size))
    rebuilt = builder.build()
    assert rebuilt.candidates("610302", None, (), ("锦林府",), NO_BANDS, config) == [0]
    index.remove(record)
    assert index.candidates("610302", None, (), ("锦林府",), NO_BANDS, config) == []


def test_an_estate_found_by_its_sound_is_not_thereby_one_place() -> None:
    # Two estates' names of two characters of one sound are as often two estates: the
    # lookup does not say.
    # Between strangers, estates' names of three characters or more one character apart,
    # that character of one sound and tone, are one estate typed two ways: every such
    # pair in the 2,781 real letters was ("万佳名城"/"万家名城", "学府铭邸"/"学府名邸",
    # "家和院"/"家和苑"; issue 13). Of two characters they were
    # two estates ("新兴小区", "新星小区").
    assert places_agree(frozenset({"天鑫家园"}), ("天心家园",), lenient=False) is True
    assert places_agree(frozenset({"新星小区"}), ("新兴小区",), lenient=False) is False

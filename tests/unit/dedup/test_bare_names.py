"""Estates' bare names learned from the case records (issue 13).

One resident writes "保利东南海小区", another titles their letter "东南海垃圾站选址不合理":
the reading of places finds no place in that title. Each case is kept under its estates'
bare names (without the estate word, without the developer's brand), a new letter looks
up the words of its title that may be one, and the estate so named is the letter's place
when both titles name one kind of problem, and few.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup.config import DedupConfig
from services.dedup.index_builder import IndexBuilder
from services.dedup.names import (
    MAX_PROBES,
    bare_names,
    held_names,
    named_whole,
    probed_names,
    shares_learned_name,
)
from services.dedup.records import CaseColumns
from tests.unit.dedup.letters import NO_BANDS, indexed, strangers_matters

START = datetime(2018, 9, 1, 9, tzinfo=UTC)
DISTRICT = "430111"


def test_an_estates_bare_names() -> None:
    assert bare_names("保利东南海小区") == ("保利东南海", "东南海")
    assert bare_names("佳园星城小区") == ("佳园星城",)
    assert bare_names("锦绣花园小区") == ()  # "锦绣": two characters
    # Not a name of two characters, an estate named by a one-character word (the name is
    # whole), a kind of housing, a park, a subject, or a place that is no estate.
    for place in ("星城小区", "丽景新苑", "商品房小区", "经济适用房小区", "安置小区",
                  "森林公园", "佳园星城小区〔垃圾站〕", "井莲路", "我们小区"):  # fmt: skip
        assert bare_names(place) == (), place


def test_a_case_is_held_by_its_bare_names_only_when_its_title_names_a_kind() -> None:
    places = ("佳园星城小区", "井莲路")
    assert held_names(places, "佳园星城小区 附近修建垃圾中转站") == ["佳园星城"]
    assert held_names(places, "佳园星城小区 相关问题") == []


def test_a_title_probes_a_bounded_few_of_its_words() -> None:
    probes = probed_names("井莲路369号佳园星城垃圾站")
    assert "佳园星城" in probes
    assert "井莲路" in probes
    assert all(3 <= len(p) <= 6 for p in probes)
    # Not words beginning or ending with a word around a name, nor a kept facet's.
    assert not any(p[0] == "的" or p[-1] == "的" for p in probed_names("小区的垃圾站选址"))
    assert probed_names("垃圾站 〔述e.151dab1c〕") == probed_names("垃圾站")
    assert len(probed_names("东南海" * 60)) <= MAX_PROBES


def test_a_title_naming_an_estate_bare_shares_it() -> None:
    estate = ("保利东南海小区",)
    whole = named_whole(estate, "保利东南海小区 垃圾站")
    assert whole == (("保利东南海小区", ("保利东南海", "东南海")),)
    assert shares_learned_name("东南海垃圾站选址", (), "保利东南海小区 垃圾站", estate)
    assert shares_learned_name("保利东南海小区 垃圾站", whole, "东南海垃圾站选址", ())
    assert not shares_learned_name("东南湖垃圾站选址", (), "保利东南海小区 垃圾站", estate)
    # Not an estate the other letter names in its text only: a neighbour of its own estate.
    assert not shares_learned_name(
        "东南海垃圾站选址", (), "阳光小区 垃圾站", ("阳光小区", "保利东南海小区")
    )


def test_the_index_finds_a_case_by_its_estates_bare_name() -> None:
    config = DedupConfig()
    index, record = indexed(
        ("保利东南海小区",), topic="保利东南海小区 门口修建垃圾站", config=config
    )
    for name in ("东南海", "保利东南海"):
        assert index.candidates("610302", None, (), (), NO_BANDS, config, (name,)) == [0]
    assert index.candidates("610302", None, (), (), NO_BANDS, config, ("东南湖",)) == []
    builder = IndexBuilder(config)
    builder.add(CaseColumns.decode({record.case_id: record.encode()}, record.signature.size))
    assert builder.build().candidates("610302", None, (), (), NO_BANDS, config, ("东南海",)) == [0]


FIRST = (
    "A5区保利东南海小区居民反对在小区门口修建垃圾站",
    "我们是A5区保利东南海小区的业主，小区只有一个出入口，现在社区要在小区大门口修建一个"
    "垃圾站，而且已经开工。垃圾站建成后臭气熏天，垃圾车进进出出，严重影响业主出行安全和"
    "身体健康，请求相关部门重新选址，把垃圾站远离小区大门。",
)


def _second(title: str) -> tuple[str, str]:
    return (
        title,
        "我是东南海的一名业主，社区要在我们出入口建垃圾站，并且已经在建。垃圾站建成后臭气"
        "熏天，滋生细菌，垃圾车进出影响业主出行安全，请求相关部门重新选址，让垃圾站远离"
        "大门，解决业主之所急。",
    )


def _run(second: tuple[str, str]) -> list[str]:
    return strangers_matters(FIRST, second, start=START, region=DISTRICT)


def test_strangers_letters_one_naming_the_estate_bare_are_one_matter() -> None:
    first, second = _run(_second("对A5区东南海垃圾站选址的质疑"))
    assert second == first


def test_a_bare_name_does_not_join_a_title_of_another_kind_or_none() -> None:
    # A bus line for the estate is another matter; a title naming no kind of problem says
    # too little for a word of it to be the estate.
    for title in ("请求A5区东南海增开公交线路", "对A5区东南海的质疑"):
        first, second = _run(_second(title))
        assert second != first, title

"""A title naming an estate the reading of places does not find, after titles that did
(issue 13).

Residents title their letters with the estate's bare name before the problem ("请查处云锦台
捆绑销售", "云锦台车位18万强制购买"), and "云锦台" is read as a place only where its context
says so ("A5区云锦台业主..."): "台" ends a platform, a station and a balcony as often as an
estate. A reader of the board knows the estate once one title has named it. So each case is
also held under the places its title names (``index_keys.TITLE_PLACE``: Chinese names of
three to six characters, no word of a kind of problem), and a title naming no place the
reading finds looks its words up (``names.probed_names``); those an earlier title of its
area named as its place are read as its places (``features.title_places_known``). Only a
title naming no place: one naming a place of its own is read as written.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup.config import DedupConfig
from services.dedup.features import extract_features, title_places_known
from services.dedup.matcher import Matcher
from services.dedup.state import InMemoryMatchState
from tests.unit.dedup.letters import letter, strangers_matters

START = datetime(2021, 5, 3, 9, tzinfo=UTC)
REGION = "430111"

NAMED = (
    "A5区云锦台业主强烈要求停止车位捆绑销售",
    "华晟置业开发的云锦台，置业顾问明确说不买车位就不卖房，开发商把车位和房子捆在一起，"
    "说是房位一体。",
)
BARE = (
    "请查处云锦台捆绑销售",
    "一个车位要二十万左右，周边小区车位才十万出头。我们不同意买车位，开发商就卡着网签不办。"
    "捆绑销售明明是违规的，希望政府出面让开发商退还车位款。",
)
BARE_TOO = (
    "云锦台车位18万强制购买",
    "我家根本没有车，买的是刚需房。开发商把车位和房子捆在一起，一起签合同，不买车位就不给网签。",
)
#: The estate named in the content only: its title holds no place.
UNTITLED = ("停止车位捆绑销售", NAMED[1])


def test_a_bare_estate_a_title_named_before_is_the_titles_place() -> None:
    # Before: neither later title was read as naming a place, and each opened a matter.
    for later in (BARE, BARE_TOO):
        first, second = strangers_matters(NAMED, later, start=START, region=REGION)
        assert first == second, later[0]


def test_an_estate_named_only_in_an_earlier_content_is_not_known() -> None:
    first, second = strangers_matters(UNTITLED, BARE, start=START, region=REGION)
    assert first != second


def test_what_the_index_holds_as_a_titles_place() -> None:
    matcher = Matcher(InMemoryMatchState())
    index = matcher.state.index
    assert index.title_places_named(REGION, ["云锦台"]) == []
    matcher.match(letter(0, *UNTITLED, start=START, region=REGION, ref="pr_0"))
    # Its content's place, which its title does not name.
    assert index.title_places_named(REGION, ["云锦台"]) == []
    matcher.match(letter(1, *NAMED, start=START, region=REGION, ref="pr_1"))
    assert index.title_places_named(REGION, ["云锦台", "捆绑销售"]) == ["云锦台"]
    # Of the same city (a city-level letter is matched there), not of another's.
    assert index.title_places_named("430100", ["云锦台"]) == ["云锦台"]
    assert index.title_places_named("430200", ["云锦台"]) == []
    # A word of a kind of problem is no title's place ("水泥路": a village's concrete road).
    matcher.match(
        letter(
            2,
            "A7县北山镇狮山村红星组水泥路到户的问题咨询",
            "我们村的水泥路到户什么时候能修，村民出行很不方便。",
            start=START,
            region="430121",
            ref="pr_2",
        )
    )
    assert index.title_places_named("430121", ["水泥路"]) == []


def test_a_title_naming_its_own_place_is_read_as_written() -> None:
    config = DedupConfig()
    own = letter(3, "雨桐路云锦台房位一体销售", BARE[1], start=START, region=REGION)
    features = extract_features(own, config)
    assert features.title_places
    assert title_places_known(features, lambda words: list(words)) == frozenset()
    bare = extract_features(letter(4, *BARE, start=START, region=REGION), config)
    assert not bare.title_places
    # Of the words found, each not within a longer one found ("锦台捆绑" is not taken
    # apart from "云锦台捆绑").
    found = {"云锦台", "锦台捆绑", "云锦台捆绑"}
    assert title_places_known(bare, lambda words: [w for w in words if w in found]) == {
        "云锦台捆绑"
    }
    assert title_places_known(bare, lambda words: [w for w in words if w == "云锦台"]) == {"云锦台"}

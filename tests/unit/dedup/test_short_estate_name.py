"""A title naming its estate short, the letter naming it in full (issue 13).

Residents put their estate in the title as they say it ("南园小区", with its word "小区"
and without the developer's brand) and name it in full in the text ("宏图南园"). The short
name is then the writer's own name of that estate: a stranger's title naming it in full is
about the same place. Without the full name in the letter, "南园小区" and "宏图南园" stay
two places, as "锦绣花园" and "东方锦绣花园" are two estates.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup.config import DedupConfig
from services.dedup.features import extract_features
from services.dedup.matcher import Matcher
from services.dedup.place_agreement import place_of_either_title
from services.dedup.state import InMemoryMatchState
from tests.unit.dedup.letters import letter

START = datetime(2020, 3, 2, 9, tzinfo=UTC)
REGION = "430104"

FULL = (
    "宏泰东苑逾期交房",
    "尊敬的领导：我是A3区宏泰东苑的业主，合同约定去年底交房，现在工地已经停了半年，"
    "开发商说资金紧张，一直没有复工。我们每个月还着房贷又付着房租，请督促开发商按期交房。",
)
SHORT_TITLE = "东苑小区什么时候能交房"
SHORT_TEXT = (
    "您好，我在宏泰东苑买了房，合同约定去年底交房，开发商一直说资金紧张，工地停了半年"
    "也没有复工。我们每个月还着房贷又付着房租，请问到底什么时候能交房？"
)
SHORT_TEXT_BARE = SHORT_TEXT.replace("宏泰东苑", "东苑小区")


def _linked(first: tuple[str, str], second: tuple[str, str]) -> bool:
    matcher = Matcher(InMemoryMatchState())
    one = matcher.match(letter(0, *first, start=START, region=REGION, ref="pr_first"))
    two = matcher.match(letter(9, *second, start=START, region=REGION, ref="pr_second"))
    return two.matter_id == one.matter_id


def _titled(title: str, content: str) -> bool:
    case = letter(9, title, content, start=START, region=REGION, ref="pr_second")
    features = extract_features(case, DedupConfig())
    other = extract_features(
        letter(0, *FULL, start=START, region=REGION, ref="pr_first"), DedupConfig()
    )
    return place_of_either_title(
        features, tuple(sorted(other.places)), other.topic, False, case.content
    )


def test_a_short_title_name_of_the_estate_the_letter_names_in_full_is_that_estate() -> None:
    assert _titled(SHORT_TITLE, SHORT_TEXT)
    assert _linked(FULL, (SHORT_TITLE, SHORT_TEXT))


def test_without_the_full_name_in_the_letter_the_short_name_is_another_place() -> None:
    assert not _titled(SHORT_TITLE, SHORT_TEXT_BARE)

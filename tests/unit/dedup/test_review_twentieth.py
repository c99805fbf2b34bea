"""False links a read-only review of the twentieth session's rules built (issue 13).

Letters a careful judge calls two matters that the session's new readings joined: two
branches of one training brand closing, an estate's gas not connected and its opening fee,
an owners' committee's conduct and an estate's wish for one, a broadband line down and the
estate's broadband monopoly, a village's stone works and its chemical works, its chicken
farm and its cattle farm.
"""

from __future__ import annotations

import pytest

from services.dedup import text
from services.dedup.features import extract_features
from services.dedup.organisations import organisation_subject
from services.dedup.settings import load_config
from tests.unit.dedup.test_real_petitions import COUNTY, _facts


def _subject(title: str, content: str) -> str:
    return extract_features(_facts(0, COUNTY, title, content), load_config()).subject


def test_two_branches_of_one_brand_closing_are_two_subjects() -> None:
    first = organisation_subject(
        "新东方英语五一店跑路退费",
        "新东方英语五一店突然关门，老板失联，我们交的两万多学费一分没退，请求教育局督促退费。",
    )
    second = organisation_subject(
        "新东方英语河西校区关门了",
        "新东方英语河西校区人去楼空，孩子的课时还剩六十节，学费不退，家长们很着急。",
    )
    assert first
    assert second
    assert first != second


@pytest.mark.parametrize(
    ("title", "kinds"),
    [
        ("保利香槟国际燃气开户费太高", {"fees"}),
        ("丽景湾业委会私自续签物业合同", set()),
        ("新城国际花都宽带三天没网", set()),
        ("新城国际花都宽带被一家运营商垄断", {"broadband"}),
    ],
)
def test_a_fee_a_committees_conduct_and_a_line_down_are_their_own_kinds(
    title: str, kinds: set[str]
) -> None:
    assert text.claims(text.fold(title)) >= kinds
    if not kinds:
        assert not text.claims(text.fold(title)) & {"owners_committee", "broadband"}


def test_a_villages_works_of_two_kinds_are_two_subjects() -> None:
    stone = _subject("新塘村石材厂粉尘污染", "新塘村的石材厂每天切石头，粉尘满天飞，村民不敢开窗。")
    chemical = _subject("新塘村化工厂排污", "新塘村化工厂晚上偷排废水，河里的鱼都死了，请求查处。")
    chickens = _subject("桃花村养鸡场臭味", "桃花村的养鸡场鸡粪堆在路边，臭气熏天，苍蝇成群。")
    cattle = _subject("桃花村养牛场污染", "桃花村养牛场的牛粪直接排进水沟，村里臭不可闻。")
    assert stone
    assert chemical
    assert stone != chemical
    assert chickens
    assert cattle
    assert chickens != cattle

"""The kinds residents of one big matter write in other words (issue 13, blind4).

A fourth blind set, written as a real board's hot problems, showed residents of one road
naming its works' noise as a site's ("金桥北路工地噪音"), the works at night with a word
between ("凌晨还在施工"), or by the breaker they hear ("道路施工破碎锤半夜响"); buyers of
one estate naming its forced parking sales as "房位一体"; and a plant's drivers asking for
their wages in a title naming the plant, linked to a neighbour's letter naming the plant
alone. Each is read as its kind; a plant whose workers' pay a title names is their employer,
not the object its neighbours complain of.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.cases import Verdict
from services.dedup import text
from tests.unit.dedup.letters import letter, run

START = datetime(2023, 11, 1, 9, tzinfo=UTC)


def _kinds(title: str) -> frozenset[str]:
    return text.claims(text.topic(text.fold(title)))


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("金桥北路工地噪音", "building_works"),
        ("道路施工噪声太大", "building_works"),
        ("A4区金桥北路凌晨还在施工", "building_works"),
        ("道路施工破碎锤半夜响", "building_works"),
        ("投诉A4区道路改造夜间作业", "building_works"),
        ("雨桐路云锦台房位一体销售", "parking"),
        ("搅拌站司机讨薪", "wages"),
        ("宏基搅拌站拖欠工人工资", "wages"),
        ("请求金桥北路工程晚上停工", "building_works"),
        # Works stopped, not at night, are still a home's late hand-over.
        ("宏图南园3栋5栋停工", "late_handover"),
    ],
)
def test_a_kind_in_the_words_residents_write(title: str, kind: str) -> None:
    assert kind in _kinds(title)


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        # The plant's works at night are the plant's (``claim_words``), not a site's.
        ("汀兰雅苑旁边搅拌站半夜施工", "building_works"),
        ("搅拌站夜间施工扰民", "building_works"),
        # A plant whose drivers ask their wages is their employer.
        ("搅拌站司机讨薪", "mixing_plant"),
        ("宏基搅拌站拖欠工人工资", "mixing_plant"),
        # Works said of nothing at night: no kind of the works.
        ("金桥北路施工什么时候结束", "building_works"),
        # Works asked to stop at night are no home handed over late.
        ("请求金桥北路工程晚上停工", "late_handover"),
        ("夜间停工", "late_handover"),
    ],
)
def test_not_the_kind(title: str, kind: str) -> None:
    assert kind not in _kinds(title)


def test_a_plant_named_alone_and_its_neighbours_letters_still_one_kind() -> None:
    assert "mixing_plant" in _kinds("请求取缔宏基搅拌站")
    assert "mixing_plant" in _kinds("宏基搅拌站夜间生产扰民")


def test_forced_parking_sold_as_one_with_the_home_is_one_matter_kind() -> None:
    titles = ("雨桐路云锦台房位一体销售", "云锦台开发商捆绑销售车位")
    assert text.one_matter_kind(frozenset({"parking"}), titles) == "forced_parking_sale"


def test_a_plants_drivers_wages_are_not_its_neighbours_complaint() -> None:
    decisions = run(
        [
            letter(
                0,
                "请求取缔宏基搅拌站",
                "沩水东路边上那个宏基搅拌站噪音大、灰尘大，我们晚上根本睡不着，望有关部门尽快处理。",
                start=START,
                region="430100",
                ref="pr_a",
            ),
            letter(
                1,
                "搅拌站司机讨薪",
                "您好，我在沩水东路宏基搅拌站开罐车，已经四个月没拿到工资了，社保也没交。"
                "希望有关部门督促公司支付工资。",
                start=START,
                region="430100",
                ref="pr_b",
            ),
        ]
    )
    assert decisions[1].verdict is not Verdict.JOINT
    assert decisions[1].matter_id != decisions[0].matter_id

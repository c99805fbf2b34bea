"""A title naming no kind of problem, its opening naming the object (issue 13).

Residents title a letter on the plant, the substation or the elevated road beside their
estate with the estate and their plight alone ("丽发新城小区业主苦不堪言", "请领导关注湘府
华庭业主的诉求") and name the object where the content begins ("我们丽发新城小区旁边的混凝
土搅拌站每天晚上轰鸣不停"). A letter whose subject is that object (one object at one
estate) took such a title for another problem of the estate, since the title names nothing
of the object: the opening is read for it as the title would have named it, as the
opening's kinds are read for a title naming none (``aboutness.opening_kinds``). A title
naming a kind of problem is read as written, and the opening only by its first clause
past a greeting and who writes (``features.opening_clause``): a thing named further on is
named in passing ("…KTV每天唱到凌晨，…，加上搅拌站的罐车").
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.unit.dedup.letters import strangers_matters

START = datetime(2022, 8, 1, 9, tzinfo=UTC)
DISTRICT = "430111"

PLANT = (
    "暮云街道丽发新城旁混凝土搅拌站扰民",
    "我们是暮云街道丽发新城的居民，小区旁边的混凝土搅拌站日夜作业，噪音很大，粉尘满天飞，"
    "家里不敢开窗，老人孩子晚上睡不着觉。请求关停。",
)
PLIGHT = (
    "丽发新城小区业主苦不堪言",
    "我们丽发新城小区旁边的混凝土搅拌站每天晚上轰鸣不停，粉尘漫天，业主苦不堪言，请领导关注。",
)
LIFT_PLIGHT = (
    "丽发新城小区业主苦不堪言",
    "我们丽发新城小区3栋的电梯三天两头坏，上个月还关了人，物业一直拖着不修，请领导关注。",
)
#: The plant named in passing, after what the opening says is wrong (a KTV's nights).
KTV_PLIGHT = (
    "还我们安宁",
    "丽发新城小区旁边的KTV每天唱到凌晨，低音炮震得窗户响，加上搅拌站的罐车，根本睡不着。"
    "请文化执法查KTV。",
)
FEES = (
    "丽发新城物业费上涨",
    "我们丽发新城小区旁边的混凝土搅拌站天天扰民物业不管，物业费却从一块五涨到两块二，请查处。",
)


def test_a_plight_whose_opening_names_the_plant_is_the_plants_matter() -> None:
    first, second = strangers_matters(PLANT, PLIGHT, start=START, region=DISTRICT)
    assert first == second


def test_a_plight_about_another_thing_or_a_titled_kind_stays_apart() -> None:
    for other in (LIFT_PLIGHT, KTV_PLIGHT, FEES):
        first, second = strangers_matters(PLANT, other, start=START, region=DISTRICT)
        assert first != second, other[1][:12]

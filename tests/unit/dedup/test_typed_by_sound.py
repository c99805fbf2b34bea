"""One writer's place name typed by its sound (issue 13).

A pinyin input method offers every character of a syllable: a writer asking twice about
their child's school types "萍州小学" once and "苹洲小学" the next time. Between one
writer's letters (where a wrong character is forgiven already) two characters that share
a reading, tones aside, are one place; two that do not are two places, and strangers'
names are compared as written.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup.decision import DedupDecision
from services.dedup.place_agreement import titles_share_place
from tests.unit.dedup.letters import letter, run

START = datetime(2020, 9, 1, 9, tzinfo=UTC)
DISTRICT = "431102"

FIRST = (
    "请求在K1区萍州小学正大门设置人行横道线",
    "每天早上孩子去萍州小学上学都要横穿马路，车辆很多速度又快，学校门口没有斑马线，也没有"
    "红绿灯，家长们非常担心孩子的安全，恳请交警部门尽快施划。",
)


def _second(school: str) -> tuple[str, str]:
    return (
        f"再次请求K1区{school}大门口开通人行道",
        f"天誉华府小区到{school}大门这一段没有人行道，孩子们只能走机动车道，上个月我已经反映过"
        "一次，至今没有回复，恳请交警部门尽快施划。",
    )


def _run(second: tuple[str, str], *, strangers: bool = False) -> list[DedupDecision]:
    return run(
        [
            letter(n, title, content, start=START, region=DISTRICT, ref=f"pr_{n % 2 * strangers}")
            for n, (title, content) in ((0, FIRST), (31, second))
        ]
    )


def test_one_writers_school_typed_by_sound_is_one_school() -> None:
    decisions = _run(_second("苹洲小学"))
    assert decisions[1].matter_id == decisions[0].matter_id


def test_a_school_two_characters_apart_not_by_sound_is_another() -> None:
    # "平安小学": 萍/平 share a reading, 州/安 do not.
    decisions = _run(_second("平安小学"))
    assert decisions[1].matter_id != decisions[0].matter_id


def test_strangers_names_are_compared_as_written() -> None:
    decisions = _run(_second("苹洲小学"), strangers=True)
    assert decisions[1].matter_id != decisions[0].matter_id


def test_titles_share_a_place_typed_by_sound_only_for_one_writer() -> None:
    ours = frozenset({"萍州小学"})
    assert titles_share_place(ours, ("苹洲小学",), "苹洲小学大门口开通人行道")
    assert not titles_share_place(ours, ("苹洲小学",), "苹洲小学大门口开通人行道", lenient=False)
    assert not titles_share_place(ours, ("平安小学",), "平安小学大门口开通人行道")


def test_two_estates_a_tone_apart_are_two_estates() -> None:
    # The review's H09: 家园 (jiā yuán) and 佳苑 (jiā yuàn) share readings only without tones;
    # a writer's own home and another flat of theirs, each its rubbish, are two matters.
    decisions = run(
        [
            letter(
                0,
                "A5区和平家园小区垃圾清运不及时",
                "小区门口的垃圾桶满了好几天没人收，夏天臭得不行，物业说环卫车不来。",
                start=START,
                region=DISTRICT,
            ),
            letter(
                40,
                "A5区和平佳苑小区垃圾清运不及时",
                "和平佳苑门口的垃圾几天才收一次，堆到路上去了，我另外一套房子在那边，也请一起"
                "管管。",
                start=START,
                region=DISTRICT,
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id

"""One writer following up a procedure on their own case (issue 13, ``questions``).

A writer who applied for a decision on their case ("伤残鉴定", "工伤认定") writes again when
it is slow, each title saying something else of it: one matter. Their letters naming two
procedures are two.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup import questions
from tests.unit.dedup.letters import letter, run

START = datetime(2021, 3, 1, 9, tzinfo=UTC)
CITY, DISTRICT = "430100", "430104"


def test_a_writers_letters_on_one_procedure_are_one_matter() -> None:
    decisions = run(
        [
            letter(
                0,
                "伤残鉴定结论迟迟不出",
                "去年八月我在建筑工地干活被钢管砸伤左手，公司给我交了工伤保险，十月份提交了"
                "劳动能力鉴定申请，材料都齐全，到现在五个多月了还没有结论，打电话去问只说在排队。",
                start=START,
                region=DISTRICT,
            ),
            letter(
                40,
                "恳请督促尽快安排伤残鉴定",
                "上个月写信反映过，手伤的劳动能力鉴定还是没有消息，老板那边说没有结论不给赔偿，"
                "我一家人的生活都成了问题，恳请领导督促尽快安排专家鉴定。",
                start=START,
                region=CITY,
            ),
        ]
    )
    assert decisions[1].matter_id == decisions[0].matter_id


def test_a_procedure_is_what_is_decided_not_what_is_asked() -> None:
    assert questions.procedures("伤残鉴定结论迟迟不出") == {"伤残鉴定"}
    assert questions.procedures("要求重新认定") == frozenset()
    assert not questions.same_procedure("工伤认定拖延", "伤残鉴定拖延")

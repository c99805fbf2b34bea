"""A fee charged for another kind's object is that kind's problem (issue 13).

"收取补课费" and "收费补课" are a school's extra classes, as "收费上课" is: the parent
complains of the classes, paid for. Two strangers' letters on one school's paid holiday
classes are one kind of problem at the school, not fees against extra classes. A fee for
nothing of a kind ("物业乱收费") is still fees.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup import text
from tests.unit.dedup.letters import letter, run

START = datetime(2019, 1, 10, 9, tzinfo=UTC)
CITY = "430300"


def test_a_fee_for_extra_classes_is_extra_classes() -> None:
    assert text.claims("二中强制补考并收取补课费") == {"extra_classes"}
    assert text.claims("三中寒假违规收费补课") == {"extra_classes"}
    assert text.main_claim("三中寒假违规收费补课") == "extra_classes"
    assert text.claims("物业乱收费") == {"fees"}
    assert text.claims("收取停车费") == {"fees", "parking"}


def test_two_parents_on_one_schools_paid_holiday_classes_are_one_matter() -> None:
    decisions = run(
        [
            letter(
                0,
                "投诉C市三中寒假违规收费补课",
                "C市三中强行要求学生寒假补课，每人收费八百元，并且故意在补课时上新课来刁难"
                "不去补课的学生和家长，宣称整个区都是一样要补课收费的。",
                start=START,
                region=CITY,
                ref="pr_a",
            ),
            letter(
                3,
                "C市三中利用寒假时间进行有偿补课",
                "我是C市三中在校一名学生，我举报三中利用寒假时间进行有偿补课，强行要求学生寒假补课，"
                "要提前上课，说白了就是补课，收起钱来更积极，其他学校都是自愿报名补课。",
                start=START,
                region=CITY,
                ref="pr_b",
            ),
        ]
    )
    assert decisions[1].matter_id == decisions[0].matter_id


def test_a_schools_other_fee_is_not_its_extra_classes() -> None:
    # "收取校服费" is fees: the school's uniform charge, not its paid holiday classes.
    decisions = run(
        [
            letter(
                0,
                "投诉C市三中强制收取校服费",
                "C市三中强行要求学生买校服，每人收费八百元，并且故意刁难不买校服的学生和家长，"
                "宣称整个区都是一样要收费的。",
                start=START,
                region=CITY,
                ref="pr_a",
            ),
            letter(
                3,
                "C市三中利用寒假时间进行有偿补课",
                "我是C市三中在校一名学生，我举报三中利用寒假时间进行有偿补课，强行要求学生寒假"
                "补课，说白了就是补课，收起钱来更积极，其他学校都是自愿报名补课。",
                start=START,
                region=CITY,
                ref="pr_b",
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id

"""One writer's question asked again in other words (``services.dedup.questions``)."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.cases import Verdict
from services.dedup import questions, text
from services.dedup.facts import CaseFacts
from tests.unit.dedup.letters import letter, run

START = datetime(2018, 3, 1, 9, tzinfo=UTC)
COUNTY = "430121"
#: One writer's habit, in every letter whatever it is about.
STYLE = "尊敬的县领导：本人是A7县一名退休老人，平时关心县里的大事小情。"
END = "恳请领导百忙之中过问一下，盼复为谢！"


def _facts(day: int, title: str, content: str, ref: str = "pr_writer") -> CaseFacts:
    return letter(day, title, STYLE + content + END, start=START, region=COUNTY, ref=ref)


_run = run


def _asked(title: str) -> questions.Asked:
    return questions.asked_grams(text.topic(text.fold(title)), ())


def test_a_question_all_asked_in_the_other_title_is_the_same() -> None:
    first = _asked("咨询L3县补发代课老师补贴的问题")
    again = _asked("咨询L3县代课教师补贴的相关规定")
    assert questions.same_question(again, first, ())


def test_two_questions_sharing_a_subject_but_each_saying_more_are_two() -> None:
    assert not questions.same_question(
        _asked("咨询代课教师补贴发放"), _asked("咨询代课教师转正政策"), ()
    )


def test_a_bare_object_is_not_the_wrong_a_longer_title_names_of_it() -> None:
    assert not questions.same_question(_asked("举报某村支书"), _asked("举报某村支书违规建房"), ())


def test_words_of_any_field_are_no_question_of_their_own() -> None:
    assert not questions.same_question(_asked("咨询城乡规划"), _asked("咨询城乡规划修编进度"), ())


def test_what_the_writer_asks_of_another_matter_is_their_habit() -> None:
    # "代课教师" is asked of the regularisation too: what is left, "补贴", says which.
    elsewhere = [_asked("咨询代课教师转正")]
    assert questions.same_question(_asked("代课教师补贴"), _asked("代课教师补贴发放"), elsewhere)
    assert not questions.same_question(_asked("代课教师"), _asked("代课教师补贴"), elsewhere)


def test_a_writers_question_asked_again_is_a_repeat_and_their_other_questions_are_not() -> None:
    decisions = _run(
        [
            _facts(0, "咨询A7县民办代课老师补贴发放", "我父亲七十年代当过六年民办代课老师，"
                   "听说县里按教龄发生活补贴，登记一年多还没领到。"),
            _facts(18, "咨询A7县民办代课教师转正政策", "我表姐在乡里学校代课十多年，想问现在"
                   "还有没有考试转为公办教师的途径。"),
            _facts(39, "民办代课教师补贴发放为何迟迟不到位", "上个月问过家父的事，回复说在核实，"
                   "可至今一分钱未到账，同村几位老人早就按月领了。"),
            _facts(60, "咨询A7县城乡规划", "听说县里要修一条从县城到黄花机场的快速路，想问"
                   "这条路在城乡规划里走哪边，会不会经过我们村。"),
            _facts(80, "咨询A7县城乡规划修编进度", "县里的城乡总体规划修编已经说了两年，想问现在"
                   "报批到哪一步了，什么时候向社会公示。"),
        ]
    )  # fmt: skip
    assert decisions[2].verdict is Verdict.REPEAT
    assert decisions[2].matter_id == decisions[0].matter_id
    assert len({d.matter_id for d in decisions}) == 4


def test_the_same_question_long_after_is_asked_anew() -> None:
    decisions = _run(
        [
            _facts(
                0,
                "咨询代课老师补贴发放",
                "我父亲七十年代当过六年民办代课老师，听说县里"
                "按教龄发生活补贴，登记一年多还没领到。",
            ),
            _facts(
                questions.MAX_DAYS + 30,
                "代课教师补贴发放为何不到位",
                "上次问过家父的事，回复说在核实，可至今一分钱未到账，同村几位老人早就按月领了。",
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


# The review's hard negatives (tests/data/dedup_writer_probe.md, PW14 to PW19): one writer's
# two questions, the shorter title all said in the longer.


def test_pairs_straddling_a_field_words_edge_are_the_fields_not_the_writers() -> None:
    # "险报" and "险缴" touch "医疗保险", "社会保险": only "报销" or "缴费" is left.
    assert not questions.same_question(_asked("咨询医保报销"), _asked("咨询医疗保险报销比例"), ())
    assert not questions.same_question(_asked("咨询社保缴费"), _asked("咨询社保缴费基数调整"), ())


def test_how_much_is_what_is_asked() -> None:
    assert not questions.same_question(
        _asked("咨询护林员补贴多少"), _asked("咨询护林员补贴何时发放"), ()
    )


def test_a_longer_title_saying_a_new_object_is_another_question() -> None:
    # 3 of 5 and 4 of 7 pairs: no more than ``MIN_SHARE`` of the longer title.
    assert not questions.same_question(_asked("咨询老师编制"), _asked("咨询教师编制考试"), ())
    assert not questions.same_question(_asked("投诉ETC扣费"), _asked("投诉ETC扣费不退还"), ())


def test_a_coach_is_no_teacher() -> None:
    assert not questions.same_question(_asked("投诉教员吃拿卡要"), _asked("投诉教师吃拿卡要"), ())


def test_a_complaint_of_delay_adds_no_new_object() -> None:
    assert questions.same_question(
        _asked("咨询民办代课老师补贴发放"), _asked("民办代课教师补贴发放为何迟迟不到位"), ()
    )


def test_the_writer_probe_s_question_pairs_are_judged_by_their_matters() -> None:
    # PW14 (s01): one writer's social insurance contribution, then its base asked twice.
    decisions = _run(
        [
            _facts(0, "咨询社保缴费", "我去年从厂里下岗了，现在想以灵活就业人员身份自己交"
                   "社保，请问到哪里办理，每个月交多少？"),
            _facts(40, "咨询社保缴费基数调整", "听说今年社保缴费基数要调整，单位给我们按最低"
                   "基数交，想问今年的上下限是多少，什么时候开始执行？"),
            _facts(75, "再次咨询社保缴费基数调整", "上次问的今年缴费基数上下限还没有回复，单位"
                   "一直按最低基数交，请问今年的基数到底什么时候调整？"),
        ]
    )  # fmt: skip
    assert decisions[1].matter_id != decisions[0].matter_id
    assert decisions[2].matter_id == decisions[1].matter_id

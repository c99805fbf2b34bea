"""A title's own place: the name it gives before its kind of problem (issue 13).

Residents title letters on their estate's problem with its name bare, no estate word:
"梅溪四季燃气什么时候通", "新城国际花都物业费乱涨". The reading of places finds no place
there; the words before the kind word, when they are name-like, are the title's bare place:
a place of the letter only where another letter names them too (its title, its text, an
estate whose name holds them), and only for one kind of problem in common.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup import text
from services.dedup.names import bare_place, bare_place_agrees, held_names, probes
from tests.unit.dedup.letters import strangers_matters

START = datetime(2019, 10, 8, 9, tzinfo=UTC)
DISTRICT = "430104"


def _place(title: str) -> str:
    return bare_place(text.topic(text.fold(title)))


def test_the_name_before_the_kind_of_problem() -> None:
    assert _place("关于新城国际花都物业费乱涨的投诉") == "新城国际花都"
    assert _place("新城国际花都的物业费为何年年涨") == "新城国际花都"
    assert _place("金科集美郡燃气什么时候通") == "金科集美郡"
    assert _place("保利天悦车位只售不租") == "保利天悦"
    # Without the region before it, the building, the residents or the estate word after.
    assert _place("长沙市岳麓区保利麓谷林语物业费太高") == "保利麓谷林语"
    assert _place("梅溪四季二期电梯故障") == "梅溪四季"
    assert _place("金科集美郡业主燃气开通") == "金科集美郡"
    # The name, then a clause of what is done to it.
    assert _place("梅溪四季擅自把绿地改成停车位") == "梅溪四季"


def test_no_place_of_a_sentence_a_generic_thing_or_no_kind() -> None:
    for title in (
        "我们小区物业费乱涨",  # who writes
        "楼下烧烤店噪音扰民",  # where, a shop
        "小区门口道路坑洼",
        "强烈要求公交车增加班次",  # a bus
        "修建一座人行天桥",  # a clause
        "西雅韵业主维权",  # no kind of problem named
        "高新区燃气不通",  # a district: read as a place where it is one
        "严重质疑燃气收费",  # what the writer says
    ):
        assert _place(title) == "", title
    assert _place("东南海燃气不通") == "东南海"


def test_a_bare_place_agrees_only_where_the_other_letter_names_it() -> None:
    ours = "梅溪四季"
    topic = "梅溪四季燃气什幺时候通"
    assert bare_place_agrees(ours, topic, "", (), "燃气迟迟不通", ("梅溪四季小区",))
    assert bare_place_agrees(ours, topic, "", (), "梅溪四季 燃气开通", ())
    assert not bare_place_agrees(ours, topic, "", (), "燃气迟迟不通", ("金科城小区",))
    # The other way round: the other title's bare place named in this letter's text.
    assert bare_place_agrees("", "燃气迟迟不通", "我是梅溪四季业主", (), topic, ())
    assert not bare_place_agrees("", "燃气迟迟不通", "我是金科城业主", (), topic, ())


def test_a_case_is_held_and_found_by_its_bare_place() -> None:
    assert "新城国际花都" in held_names((), "新城国际花都物业费乱涨")
    assert held_names((), "新城国际花都相关") == []
    # A later letter finds it by its own title's place, or by its text's estate.
    assert "新城国际花都" in probes("新城国际花都物业费", ())
    assert "梅溪四季" in probes("燃气不通", ("梅溪四季小区",))


FIRST = (
    "梅溪四季燃气什么时候通",
    "交房已经一年多了，天然气管道早就铺到了楼下，可到现在还是没有通气，每天只能用电磁炉"
    "做饭，冬天烧水洗澡都成问题。问了开发商说在等燃气公司验收，燃气公司又说开发商手续"
    "不全，两边推来推去，请相关部门督促尽快通气。",
)


def _second(title: str, content_name: str) -> tuple[str, str]:
    return (
        title,
        f"我是{content_name}的业主，入住快两年了，小区的管道天然气一直没有开通，家里老人"
        "孩子做饭只能用液化气罐，既不安全又不方便。开发商和燃气公司互相推诿，希望政府出面"
        "协调，早日让我们用上燃气。",
    )


def _run(second: tuple[str, str]) -> list[str]:
    return strangers_matters(FIRST, second, start=START, region=DISTRICT)


def test_strangers_letters_on_the_estate_named_bare_before_its_kind_are_one_matter() -> None:
    first, second = _run(_second("小区天然气迟迟不通气", "梅溪四季小区"))
    assert second == first


def test_a_bare_place_not_named_by_the_other_letter_or_another_kind_is_no_place() -> None:
    first, second = _run(_second("小区天然气迟迟不通气", "金科城"))
    assert second != first
    first, second = _run(_second("小区门口公交站太远", "梅溪四季"))
    assert second != first

"""A title naming its estate bare, its letter naming the estate whole (issue 13).

Residents title their estate's problem by its name alone ("锦绣江南夏天天天停电") and give
its estate word where they say who writes ("我是锦绣江南小区的业主"). The reading of places
finds no place in such a title, so the letter was about no place, and a neighbour's letter
on the estate's one problem met it only as a stranger's letter with nothing in common (the
joint threshold, 0.65). The title is now read as naming the estate whole, when the letter
names one estate whose bare name the title holds; the estate's other problems stay apart
by their kinds, as they do between titles naming the estate whole.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup.features import title_naming_its_estate
from services.dedup.names import without_estate_word
from tests.unit.dedup.letters import strangers_matters

START = datetime(2022, 7, 1, 9, tzinfo=UTC)
DISTRICT = "430111"


def test_a_titles_bare_estate_is_the_estate_its_letter_names_whole() -> None:
    assert (
        title_naming_its_estate("锦绣江南夏天天天停电", frozenset({"锦绣江南小区", "供电公司"}))
        == "锦绣江南小区夏天天天停电"
    )
    assert (
        title_naming_its_estate("关于润和城地铁出入口的再次建议", frozenset({"润和城小区"}))
        == "关于润和城小区地铁出入口的再次建议"
    )
    # The longest bare name the title holds: the estate with its developer's brand.
    assert (
        title_naming_its_estate("请回应保利麓谷林语家长的诉求", frozenset({"保利麓谷林语小区"}))
        == "请回应保利麓谷林语小区家长的诉求"
    )


def test_a_title_is_read_as_written_otherwise() -> None:
    for title, places in (
        # A title naming a place already.
        ("锦绣江南小区停电", frozenset({"锦绣江南小区"})),
        ("芙蓉路锦绣江南段积水", frozenset({"芙蓉路", "锦绣江南小区"})),
        # Two estates whose bare names the title holds: which one it is about is unsaid.
        ("锦绣江南和枫林雅苑之间的路灯", frozenset({"锦绣江南小区", "枫林雅苑小区"})),
        # A bare name the title does not hold; an estate named without its estate word
        # (its name without the developer's brand may be a series' or a neighbour's).
        ("夏天天天停电", frozenset({"锦绣江南小区"})),
        ("海外滩物业服务问题", frozenset({"绿地海外滩"})),
        # Two characters are as often a word as a name.
        ("江南停电", frozenset({"江南小区"})),
    ):
        assert title_naming_its_estate(title, places) == title, title
    assert without_estate_word("锦绣江南小区") == "锦绣江南"
    assert without_estate_word("绿地海外滩") == ""
    assert without_estate_word("安置小区") == ""
    # Another word of a name, or of a kind of housing: "残疾人" is who lives there.
    assert without_estate_word("锦绣花园") == ""
    assert title_naming_its_estate("呼吁为残疾人搭建生活平台", frozenset({"残疾人公寓"})) == (
        "呼吁为残疾人搭建生活平台"
    )


CUT = (
    "锦绣江南夏天天天停电",
    "尊敬的市领导：我是锦绣江南小区的业主，小区一到用电高峰就停电，一停就是几个小时，家里"
    "老人孩子热得受不了，冰箱里的东西都坏了。物业说是变压器容量小，请督促开发商和供电公司"
    "尽快增容。",
)
CUT_AGAIN = (
    "锦绣江南变压器频繁跳闸",
    "领导您好！A5区锦绣江南小区的专用变压器容量不够，今年夏天一开空调就跳闸，整栋楼整栋楼"
    "地断电，有时半夜断电到天亮。请供电部门尽快给小区增容改造，解决居民用电问题。",
)
FEES = (
    "锦绣江南物业费上涨",
    "我是锦绣江南小区的业主，物业公司没有开业主大会就把物业费从每平米一块五涨到两块二，"
    "服务却越来越差，请住建部门调查这次涨价是否合法。",
)


def test_neighbours_letters_on_the_estates_one_problem_meet() -> None:
    first, second = strangers_matters(CUT_AGAIN, CUT, start=START, region=DISTRICT)
    assert first == second


def test_the_estates_other_problem_stays_another_matter() -> None:
    for letter in (CUT, CUT_AGAIN):
        first, second = strangers_matters(letter, FEES, start=START, region=DISTRICT)
        assert first != second, letter[0]
        first, second = strangers_matters(FEES, letter, start=START, region=DISTRICT)
        assert first != second, letter[0]

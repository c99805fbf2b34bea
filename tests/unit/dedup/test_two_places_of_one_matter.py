"""Letters about one matter whose titles name two of its places, or a village's one problem
its opening names (issue 13).

Residents title one matter by the place they stand at. A school's zoning is asked about by
a resident of the estate it zones ("咨询桂湖学校划片范围", the estate named in the opening)
and protested by the estate's owners ("桂湖小区学区被调整", naming the school in the text):
each letter names the other's title place, and both titles name one kind of problem, of one
source (a fee for one thing). Such letters are one matter at the bar of a kind at a shared
place (``joint_threshold_same_kind``). Not when the kinds differ, nor of a fee each title
says is for another thing (a school's canteen fees, the estate's property fees).

A village's residents write of its one bus line, its one water supply, one in the title
("建议增开石塘村公交班次"), one only in the opening ("石塘村的老人出门太难了": the bus
runs three times a day): compared as the titles would be, at a higher bar than an estate's
(``joint_threshold_opening_kinds_village``). A road keeps none (``test_opening_kinds``).

And one title naming the place and a kind, another the same kind and no place, its letter
naming the place as written ("物业费涨了服务没跟上" from an owner there), while current: one
problem of one place, as two titles naming it and agreeing on it are.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.dedup.config import DedupConfig
from services.dedup.scoring import ONE_KIND_DAYS, _by_opening_kinds
from tests.unit.dedup.letters import letter, run, strangers_matters

START = datetime(2021, 5, 3, 9, tzinfo=UTC)
REGION = "430105"

SCHOOL_ZONE = (
    "咨询A4区桂湖学校划片范围",
    "尊敬的领导：我家住在A4区桂湖小区，往年对口桂湖学校，今年听说学区要调整，我们会被划到四"
    "公里外的新学校。请问今年的划片方案什么时候公布？孩子明年就要上小学了，心里很着急。",
)
ESTATE_ZONE = (
    "桂湖小区学区被调整",
    "我们小区业主买房时就是冲着桂湖学校来的，现在要把小区划出桂湖学校的学区，家长们都很着急。"
    "请领导考虑孩子的实际情况，维持原学区。",
)
SCHOOL_CANTEEN = (
    "咨询A4区桂湖学校食堂收费",
    "尊敬的领导：我家住在A4区桂湖小区，孩子在桂湖学校读书，学校食堂每餐收费十五元，饭菜质量"
    "很差，孩子经常吃不饱。请问食堂收费标准是谁定的？",
)
ESTATE_FEES = (
    "桂湖小区物业费上涨",
    "我们桂湖小区的物业公司最近贴出通知，物业费从每平米一块八涨到两块五，孩子在桂湖学校上学，"
    "每天接送都要经过小区大门，门口保安都不在岗。请领导管一管物业乱涨价。",
)
SCHOOL_ZONING = (
    "桂湖学校划片不合理",
    "尊敬的领导：桂湖学校今年的划片方案把旁边的桂湖小区划出去了，却把三公里外的新楼盘划进来，"
    "很多家长有意见。我家住在桂湖小区，孩子明年入学。",
)
ESTATE_PARKING = (
    "桂湖小区停车难",
    "我们桂湖小区车位太少，每天晚上车都停到桂湖学校门口的路上，早上上学时间堵得水泄不通。请"
    "领导协调增加停车位，小区物业也不管。",
)


def test_each_title_naming_a_place_the_other_names_is_one_matter() -> None:
    # 0.17: above a kind's bar at a shared place (0.15), below a place's alone (0.25).
    a, b = strangers_matters(SCHOOL_ZONE, ESTATE_ZONE, start=START, region=REGION)
    assert a == b


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # A fee each title says is for another thing (0.22).
        (SCHOOL_CANTEEN, ESTATE_FEES),
        # Two kinds of problem (0.15).
        (SCHOOL_ZONING, ESTATE_PARKING),
    ],
)
def test_not_of_two_problems(first: tuple[str, str], second: tuple[str, str]) -> None:
    a, b = strangers_matters(first, second, start=START, region=REGION)
    assert a != b


VILLAGE_VAGUE = (
    "石塘村的老人出门太难了",
    "尊敬的领导：A8县石塘村到镇上的公交车一天只有早中晚三班，错过了就只能走路，老人看病、孩子"
    "上学都很不方便。希望增加班次。",
)
VILLAGE_BUS = (
    "建议增开石塘村公交班次",
    "石塘村村民出行主要靠公交，现在一天只有三班车。村里老人多，赶集、看病都要等大半天，建议交"
    "通部门增开石塘村的班次。",
)
VILLAGE_ROAD = (
    "石塘村村道坑坑洼洼",
    "石塘村的村道好多年没修了，下雨天全是泥坑，老人出门经常摔跤，孩子上学鞋子都是泥。请求镇里"
    "尽快修路。",
)


def test_a_villages_one_problem_its_opening_names() -> None:
    # 0.19: above the village's bar (0.18), below a place's alone (0.25).
    a, b = strangers_matters(VILLAGE_VAGUE, VILLAGE_BUS, start=START, region=REGION)
    assert a == b


def test_not_another_problem_of_the_village() -> None:
    # Its roads (0.18): the opening's bus is not the title's road.
    a, b = strangers_matters(VILLAGE_VAGUE, VILLAGE_ROAD, start=START, region=REGION)
    assert a != b


def test_the_village_bar_is_between_the_narrow_and_the_place_bars() -> None:
    DedupConfig(joint_threshold_opening_kinds_village=0.2)
    with pytest.raises(ValidationError):
        DedupConfig(joint_threshold_opening_kinds_village=0.01)
    with pytest.raises(ValidationError):
        DedupConfig(joint_threshold_opening_kinds_village=0.3)


def test_the_village_bar_never_below_the_opening_kinds_bar() -> None:
    # The higher of the two: a village is never linked more easily than an estate.
    config = DedupConfig(
        joint_threshold_opening_kinds=0.2, joint_threshold_opening_kinds_village=0.1
    )
    kinds = frozenset({"bus_timetable"})
    assert not _by_opening_kinds(0.19, kinds, kinds, config, village=True)
    assert _by_opening_kinds(0.19, kinds, kinds, DedupConfig(), village=True)
    assert not _by_opening_kinds(0.17, kinds, kinds, DedupConfig(), village=True)


# One title naming the place and a kind of problem, the other the same kind and no place,
# its letter naming the place as written: one problem of one place (``one_kind_named``),
# linked at ``joint_threshold_kinds_agree`` while current (``ONE_KIND_DAYS``).
FEES_TITLED = (
    "锦华苑物业费上涨不合理",
    "尊敬的领导：A4区锦华苑小区物业公司贴出通知，下个月起物业费从每平米一块五涨到两块二，没有"
    "开业主大会，也没有公示成本。请有关部门核查物业费调价是否合规。",
)
FEES_UNTITLED = (
    "物业费涨了服务没跟上",
    "我是锦华苑的业主，物业这次涨价太离谱了，绿化没人管，垃圾好几天不清，保安经常不在岗。服务"
    "越来越差，钱却越收越多，业主们意见很大，请领导主持公道。",
)
PARKING_FEES_UNTITLED = (
    "停车费涨了服务没跟上",
    "我是锦华苑的业主，物业这次停车费涨价太离谱了，绿化没人管，垃圾好几天不清，保安经常不在岗。"
    "服务越来越差，钱却越收越多，业主们意见很大，请领导主持公道。",
)
NOISE_TITLED = (
    "锦华苑楼下烧烤店噪音扰民",
    "尊敬的领导：A4区锦华苑小区楼下的烧烤店每天营业到凌晨两点，划拳喝酒声音很大，居民无法入"
    "睡。请有关部门管一管。",
)
NOISE_UNTITLED = (
    "晚上噪音吵得睡不着",
    "我是锦华苑的业主，绿化没人管，门口的广场舞每天晚上音响开得很大，一直跳到十点多，老人孩子"
    "都睡不着，业主们意见很大，请领导主持公道。",
)


def _matters(first: tuple[str, str], second: tuple[str, str], days: int) -> list[str]:
    decisions = run(
        [
            letter(0, *first, start=START, region=REGION, ref="pr_0"),
            letter(days, *second, start=START, region=REGION, ref="pr_1"),
        ]
    )
    return [decision.matter_id for decision in decisions]


def test_one_kind_of_the_place_one_title_names() -> None:
    # 0.12: above the bar of kinds agreeing (0.10), below a kind's at a place (0.15).
    a, b = _matters(FEES_TITLED, FEES_UNTITLED, 9)
    assert a == b


@pytest.mark.parametrize(
    ("first", "second", "days"),
    [
        # The same kind there months later: another time's (0.12).
        (FEES_TITLED, FEES_UNTITLED, ONE_KIND_DAYS + 80),
        # Another fee (0.11).
        (FEES_TITLED, PARKING_FEES_UNTITLED, 9),
        # A nuisance of another source (0.14: a barbecue's, a square dance's).
        (NOISE_TITLED, NOISE_UNTITLED, 9),
    ],
)
def test_not_another_time_fee_or_source(
    first: tuple[str, str], second: tuple[str, str], days: int
) -> None:
    a, b = _matters(first, second, days)
    assert a != b

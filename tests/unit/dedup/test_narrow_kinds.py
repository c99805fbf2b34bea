"""A narrow kind of problem at one estate (``estate_kinds.NARROW_KINDS``, issue 13).

An estate has its gas, its broadband, its kindergarten, its certificates once: residents
who write about one of them, each in their own words, write about one matter, and their
letters share few words (a review set's letters on one estate's gas score 0.08-0.13). They
link at ``joint_threshold_narrow_kind`` when both titles name the estate, or one does and
the other letter, its title naming no place, names it. A broad kind (noise, fees, parking)
is many matters of one estate and keeps the bar of one kind; the same narrow kind at two
estates, or of two buildings' lifts, stays two matters.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.dedup.config import DedupConfig
from tests.unit.dedup.letters import strangers_pair

START = datetime(2020, 3, 2, 9, tzinfo=UTC)
REGION = "430104"


def _pair(first: tuple[str, str], second: tuple[str, str]) -> tuple[bool, float]:
    """Whether a stranger's second letter joins the first's matter, and its score."""
    return strangers_pair(first, second, start=START, region=REGION)


GAS_FIRST = (
    "翠湖苑小区交房两年还没通天然气",
    "我们翠湖苑小区2018年就交房了，业主陆续入住，可是天然气到现在都没有通，开发商说"
    "是燃气公司的原因，燃气公司又说开发商手续不全，两边推来推去，请领导帮忙协调。",
)
GAS_SECOND = (
    "翠湖苑什么时候能用上燃气",
    "天气越来越冷，家里老人孩子洗澡做饭全靠电，一个月电费好几百。翠湖苑几百户"
    "人家都在等通天然气，打了多次电话都说在办，希望政府督促尽快解决。",
)


def test_one_estates_gas_in_two_strangers_words_is_one_matter() -> None:
    linked, score = _pair(GAS_FIRST, GAS_SECOND)
    # Below the bar of one kind at one place: only the narrow kind's links it.
    assert score < DedupConfig().joint_threshold_same_kind
    assert linked


BROADBAND_FIRST = (
    "紫荆园小区宽带被一家运营商垄断",
    "紫荆园小区只允许一家运营商进场，其他公司的宽带进不来，网速慢、价格贵，业主没有"
    "选择的余地，物业说是开发商签的协议。请求通信管理部门过问，开放小区宽带接入。",
)
BROADBAND_SECOND = (
    "只能装一家的宽带合理吗",
    "我家住紫荆园小区，想换电信的光纤，营业厅说进不去，只能用指定的那家，一年要"
    "一千多块，晚上还经常断网。这种做法合理吗？",
)


def test_a_title_naming_no_place_joins_by_its_letters_estate() -> None:
    linked, score = _pair(BROADBAND_FIRST, BROADBAND_SECOND)
    assert score < DedupConfig().joint_threshold_same_kind
    assert linked


NOISE_FIRST = (
    "紫荆园小区楼下烧烤店噪音扰民",
    "紫荆园小区临街的烧烤店每天营业到凌晨两三点，划拳喝酒的声音很大，楼上住户根本"
    "睡不着觉。请求有关部门管一管，限制营业时间。",
)
NOISE_SECOND = (
    "紫荆园广场音响噪音太大",
    "每晚七点到十点，紫荆园中心广场上有人放大音响唱K，声音传得老远，家里孩子写作业"
    "都没法安静，跟物业说过几次也没用。",
)


def test_a_broad_kind_at_one_estate_keeps_the_bar_of_one_kind() -> None:
    # One estate's noise is many matters (a barbecue's, a site's): the lower bar is not
    # theirs.
    linked, score = _pair(NOISE_FIRST, NOISE_SECOND)
    assert DedupConfig().joint_threshold_narrow_kind <= score
    assert not linked


GAS_ELSEWHERE = (
    "金桂园小区交房两年还没通天然气",
    "我们金桂园小区2018年就交房了，业主陆续入住，可是天然气到现在都没有通，开发商说"
    "是燃气公司的原因，燃气公司又说开发商手续不全，两边推来推去，请领导帮忙协调。",
)


def test_one_narrow_kind_at_two_estates_is_two_matters() -> None:
    linked, _ = _pair(GAS_ELSEWHERE, GAS_SECOND)
    assert not linked


LIFT_FIRST = (
    "翠湖苑8栋电梯经常困人",
    "翠湖苑小区8栋的电梯这个月已经困人三次，物业每次都说修好了，过两天又坏，住在"
    "高层的老人不敢坐电梯，请求质监部门检查。",
)
LIFT_SECOND = (
    "翠湖苑3栋电梯坏了一个星期没人修",
    "翠湖苑3栋电梯上周停了到现在，物业说在等配件，我们十几楼的住户每天爬楼梯，"
    "希望有关部门督促尽快修好。",
)


def test_two_buildings_lifts_of_one_estate_are_two_matters() -> None:
    linked, _ = _pair(LIFT_FIRST, LIFT_SECOND)
    assert not linked


#: A lift whose title names no building (its content names 3栋), then 7栋's, by strangers:
#: with the estate named bare ("锦江天著", no estate word) and with it read.
LIFT_UNNAMED_BUILDING = (
    "锦江天著电梯关人",
    "锦江天著3栋电梯昨天又关人了，孩子放学回来被困在两层楼之间，物业半个小时才弄开。"
    "请问电梯维保到底有没有在做？",
)
LIFT_SEVENTH = (
    "锦江天著7栋电梯异响",
    "本人住在A1区锦江天著7栋，最近这部升降梯下行时咔咔作响、晃得厉害，家里老人"
    "不敢乘坐，恳请质监部门派人查看。",
)


@pytest.mark.parametrize("estate", ["锦江天著", "翠湖苑"])
def test_a_lift_of_no_building_named_is_not_a_named_buildings(estate: str) -> None:
    first, second = (
        tuple(part.replace("锦江天著", estate) for part in letter_)
        for letter_ in (LIFT_UNNAMED_BUILDING, LIFT_SEVENTH)
    )
    linked, score = _pair(first, second)  # type: ignore[arg-type]
    assert score < DedupConfig().joint_threshold_same_kind
    assert not linked


def test_the_lower_bar_is_the_narrow_kinds_only() -> None:
    config = DedupConfig()
    assert config.joint_threshold_narrow_kind < config.joint_threshold_same_kind
    with pytest.raises(ValidationError):
        DedupConfig(joint_threshold_narrow_kind=0.2, joint_threshold_same_kind=0.15)

"""The kinds of problem a letter's opening names when its title names a place and none
(issue 13).

Residents title many letters with the place alone ("锦绣华庭的问题", "XX小区业主的诉求",
"XX业主求助") and say what is wrong in the first sentence or two. ``features.opening_kinds``
reads those kinds (``text.claims`` clause by clause, as a title's), past a greeting, not a
passing mention later; they are kept with the letter's facets (``aboutness.OPENING_KIND``)
and such a letter is compared as if its title had named them: with a title naming the
place and a kind, or another such opening, linked at ``joint_threshold_opening_kinds``. A
title naming a kind counts its own alone, and so does one holding a kind's word the reading
finds none ("业委会私自续签物业合同"). A fee a title names is its matter. A title naming no
kind alike to one naming a kind by an object both name ("车库问题", "地下车库漏水"), its
opening naming another kind, is not one matter by the titles alone.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.dedup import aboutness
from services.dedup.config import DedupConfig
from services.dedup.features import extract_features, opening_kinds
from tests.unit.dedup.letters import letter, strangers_matters

START = datetime(2021, 5, 3, 9, tzinfo=UTC)
REGION = "430103"


@pytest.mark.parametrize(
    ("content", "kinds"),
    [
        (
            "尊敬的领导：您好！我们是丽发新城小区的业主，小区旁边烧烤店油烟很大，晚上噪音扰民。",
            {"pollution", "noise"},
        ),
        ("您好。我家住枫桥湾3栋。物业乱收费，停车费又涨了。", {"fees", "parking"}),
        # The first sentence naming a problem is what the letter is about.
        (
            "领导您好！锦绣华庭小区物业费一年涨了两次。去年夏天还停电过几次。",
            {"fees"},
        ),
    ],
)
def test_the_kinds_the_opening_names(content: str, kinds: set[str]) -> None:
    assert opening_kinds(content) == kinds


@pytest.mark.parametrize(
    "content",
    [
        # A passing mention after two sentences of other things.
        "我们是锦绣华庭小区的业主。小区绿化没人管，草坪都荒了。去年夏天小区还经常停电。",
        # A plant is left to the letter's subject.
        "我们小区旁边有个搅拌站。",
    ],
)
def test_no_kind_in_passing_nor_an_object(content: str) -> None:
    assert opening_kinds(content) == frozenset()


def test_kept_only_of_a_title_naming_no_kind() -> None:
    content = "领导您好！锦绣华庭小区最近经常停电，一停就是好几个小时。"
    config = DedupConfig()
    vague = extract_features(
        letter(0, "锦绣华庭业主的诉求", content, start=START, region=REGION), config
    )
    named = extract_features(
        letter(0, "锦绣华庭物业费太贵", content, start=START, region=REGION), config
    )
    assert aboutness.opening_kinds(vague.topic) == {"supply_cut", "family:power"}
    assert aboutness.opening_kinds(named.topic) == frozenset()


def test_not_of_a_title_holding_a_kinds_word_read_as_none() -> None:
    # The writer named the matter (what a founded committee did; a connection's fee), the
    # reading found it no kind: its opening's words ("业主大会", "接自来水") are the setting.
    config = DedupConfig()
    for title, content in (
        ("丽景湾业委会私自续签物业合同", "丽景湾业委会没有开业主大会就和物业续签了五年合同。"),
        ("湘丰村自来水安装费太高", "湘丰村新搬来的几户人家要接自来水，水厂要收每户三千元安装费。"),
    ):
        found = extract_features(letter(0, title, content, start=START, region=REGION), config)
        assert aboutness.opening_kinds(found.topic) == frozenset()


CUT_TITLED = (
    "锦绣华庭三天两头停电",
    "A3区锦绣华庭小区这个月已经停电五次了，每次一停就是大半天，冰箱里的东西都坏了，家里老人热"
    "得受不了。供电公司说是线路老化，请尽快改造。",
)
CUT_VAGUE = (
    "锦绣华庭业主的诉求",
    "领导您好！锦绣华庭小区最近经常停电，一停就是好几个小时。小区的线路是十几年前的，物业说没"
    "钱改造，业主们很着急，请有关部门协调。",
)
CUT_PROBLEM = (
    "锦绣华庭的问题",
    "尊敬的领导：锦绣华庭小区这个月已经停电五次了，每次一停就是大半天，冰箱里的东西都坏了。"
    "供电公司说是线路老化，请尽快改造。",
)
CUT_HELP = (
    "锦绣华庭业主求助",
    "领导您好！锦绣华庭小区最近老是停电，一停就是大半天，热水器用不了，孩子没法写作业。希望相"
    "关部门重视线路改造。",
)


@pytest.mark.parametrize(
    ("first", "second"),
    [(CUT_TITLED, CUT_VAGUE), (CUT_VAGUE, CUT_TITLED), (CUT_PROBLEM, CUT_HELP)],
)
def test_an_opening_kind_is_compared_as_a_titles(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    # 0.21 and 0.18: below the bar of a place alone (0.25).
    a, b = strangers_matters(first, second, start=START, region=REGION)
    assert a == b


GARAGE_VAGUE = (
    "翠湖湾车库问题",
    "翠湖湾地下车库明明空着，开发商就是不出租，逼着业主买车位。小区路边停满了车，消防通道都堵"
    "了。恳请领导给予关注。",
)
GARAGE_LEAK = (
    "翠湖湾地下车库漏水",
    "我是这里的老住户了，对这里是有感情的。翠湖湾地下车库顶板漏水，下雨天车库里到处是水，好几"
    "辆车被泡。开发商说保修期过了，请有关部门督促维修。",
)


def test_a_vague_title_alike_by_its_object_is_not_the_other_kind() -> None:
    a, b = strangers_matters(GARAGE_VAGUE, GARAGE_LEAK, start=START, region=REGION)
    assert a != b


def test_the_opening_kinds_bar_is_between_the_narrow_and_the_place_bars() -> None:
    DedupConfig(joint_threshold_opening_kinds=0.2)
    with pytest.raises(ValidationError):
        DedupConfig(joint_threshold_opening_kinds=0.01)
    with pytest.raises(ValidationError):
        DedupConfig(joint_threshold_opening_kinds=0.3)


ROAD_WORKS = (
    "希望解答杏林路沿线改造桂花公园的问题",
    "尊敬的领导：杏林路沿线改造以后路面还是坑坑洼洼的，桂花公园也跟着改造，听说要把公园改成停车"
    "场，附近居民都很关心，请公开改造方案。",
)
ROAD_SURFACE = (
    "杏林路路面破损严重",
    "我每天骑电动车上班都要经过杏林路，路面坑坑洼洼的，前几天下雨一个老人摔倒了，请交通部门派人"
    "修一修，请公开方案。",
)


def test_not_of_a_road() -> None:
    # A road holds many problems of one kind (its park's renovation at one end, its
    # surface at the other): a title naming the road and no kind takes no opening kinds.
    # 0.18: above the opening kinds' bar (0.15), below a place's alone (0.25).
    a, b = strangers_matters(ROAD_WORKS, ROAD_SURFACE, start=START, region=REGION)
    assert a != b

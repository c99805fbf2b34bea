"""The estate a letter's opening names when its title names no place (issue 13).

Residents often title a letter with its problem alone ("变电站的声音什么时候能解决",
"物业单方面上调物业费") and say where they live in the first sentences, by the estate's
bare name, which the reading of places does not find ("我们是滨江天著3栋的住户",
"碧水云天南边那个变电站"). ``features.opening_name`` reads it in the forms residents use;
such a letter links to the letters whose titles name that estate and its kind of problem
(at ``joint_threshold_opening_place``, a narrow kind's bar for a narrow kind), looked up by
the name with or without a developer's brand, and kept among its places so that a later
letter finds it; a facility's subject is that estate's. A name in passing (a neighbour
named for direction, "离碧水云天不远") is in none of those forms.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.dedup.config import DedupConfig
from services.dedup.features import opening_name
from tests.unit.dedup.letters import strangers_matters

START = datetime(2021, 5, 3, 9, tzinfo=UTC)
REGION = "430103"


@pytest.mark.parametrize(
    ("content", "name"),
    [
        ("领导好！我们家是十多年前搬过来的。我们是滨江天著3栋的住户，电梯用了才四年", "滨江天著"),
        ("领导好！我是国际花都的业主，物业单方面把物业费提高了三成多", "国际花都"),
        ("我住江南雅苑3栋，污水厂的臭味已经持续一个多月了", "江南雅苑"),
        ("我家住翡翠湾2栋25楼，经常拧开水龙头没有水", "翡翠湾"),
        ("尊敬的市领导：碧水云天6栋7栋的业住反应，旁边变电所的变压器一天到晚响", "碧水云天"),
        ("本人是2016年住进来的，一家三代五口人。碧水云天南边那个变电站，声音越来越大", "碧水云天"),
        ("尊敬的市长：新城花都的物业费说涨就涨，也没有开业主大会表决", "新城花都"),
        ("市长您好！紫台业主强烈反对今年的学区划分", "紫台"),
        # What others reported of it, right before the kind of problem.
        (
            "上个月就有人反映新城国际花都物业费上涨的问题，到现在也没看到哪个部门出面",
            "新城国际花都",
        ),
        # Where the writer (or whom they write for) bought their home.
        ("领导您好，我替父母在云锦台买了一套养老房，他们都七十多岁了", "云锦台"),
        ("各位领导好，我前不久在云锦台小区认购了一套89平米的房子", "云锦台"),
        ("我和爱人都是普通工人，2021年初贷款买了锦汀府的房子，每个月还贷", "锦汀府"),
    ],
)
def test_the_estate_a_writer_names_first(content: str, name: str) -> None:
    assert opening_name(content) == name


@pytest.mark.parametrize(
    "content",
    [
        # A neighbour named for direction, not where the writer lives.
        "我家离碧水云天不远，附近的变电站声音越来越大，晚上睡不着",
        "碧水云天东边的锦绣花园小区，旁边的变电站声音越来越大",
        # Who the writer is, not an estate.
        "我是十多年前搬过来的，变电站声音越来越大",
        "我们是普通老百姓，物业费说涨就涨",
        "我是一名普通市民，白沙路的路灯不亮",
        # A clause's residents, and a closing's words.
        "物业费涨了三成，严重影响上万居民生活。期待您的回复",
        "二次供水设备老化，请尽快更换，方便居民。期待您的答复",
        # A report of a village's works, of a road's noise: no estate.
        "上次反映桃花村建信号塔的事，镇里说会协调",
        "小区业主多次反映绕城高速噪音问题，一直没有实质性进展",
        # A home or a car bought elsewhere or with something, not an estate.
        "我在银行贷款买了房，现在房贷压力很大",
        "我们在外地买了房子，户口能不能迁过去",
        "我在A市亲戚手上买的二手车，怎么过户",
    ],
)
def test_no_estate_in_passing_or_in_other_words(content: str) -> None:
    assert opening_name(content) == ""


SUBSTATION_TITLED = (
    "碧水云天小区旁边的变电站噪音太大",
    "A2区碧水云天小区南门外面就是雨坛110千伏变电站，离我们6栋不到40米。从去年夏天开始"
    "变压器一直嗡嗡响，晚上关窗都能听到，老人孩子睡不好觉。请供电公司尽快采取降噪措施。",
)
SUBSTATION_OPENING = (
    "变电站的声音什么时候能解决",
    "本人是2016年住进来的，一家三代五口人，第一次在网上写信。碧水云天南边那个变电站，"
    "声音越来越大，最近天热负荷大更响了。求求领导督促一下供电公司，换个低噪声的变压器。",
)
SUBSTATION_NEIGHBOUR = (
    "变电站的声音什么时候能解决",
    "本人是2016年住进来的，一家三代五口人，第一次在网上写信。我们小区离碧水云天不远，"
    "旁边那个变电站，声音越来越大，最近天热负荷大更响了。求求领导督促一下供电公司，换个低"
    "噪声的变压器。",
)


def test_a_facility_by_the_estate_the_opening_names_is_its_matter() -> None:
    first, second = strangers_matters(
        SUBSTATION_TITLED, SUBSTATION_OPENING, start=START, region=REGION
    )
    assert first == second


def test_a_neighbour_named_for_direction_is_no_link() -> None:
    first, second = strangers_matters(
        SUBSTATION_TITLED, SUBSTATION_NEIGHBOUR, start=START, region=REGION
    )
    assert first != second


GAS_TITLED = (
    "星河云天小区交房一年还没通天然气",
    "A2区星河云天小区去年五月交房，到现在都一年了天然气还没有通，燃气管道是装好了，就是不"
    "开通。开发商说是燃气公司的问题，燃气公司说开发商手续不齐，请住建部门督办。",
)
GAS_OPENING = (
    "燃气到底什么时候能开通",
    "领导好！我们是星河云天的业主，入住快一年了，每天做饭只能用电磁炉，冬天洗澡也成问题。"
    "管道早就装好了，就差开通，希望政府帮我们催一催。",
)
FEES_OPENING = (
    "物业单方面上调物业费",
    "领导好！我们是星河云天的业主，物业单方面把物业费提高了三成多，还说不交的话要上征信。"
    "请问物业费调价需要什么程序？",
)


def test_a_narrow_kind_at_the_estate_the_opening_names_is_one_matter() -> None:
    first, second = strangers_matters(GAS_TITLED, GAS_OPENING, start=START, region=REGION)
    assert first == second


def test_a_later_title_naming_the_estate_finds_the_letter_naming_it_in_its_opening() -> None:
    # The first letter's opening is not kept: its estate is kept among its places.
    first, second = strangers_matters(GAS_OPENING, GAS_TITLED, start=START, region=REGION)
    assert first == second


def test_another_kind_at_that_estate_is_another_matter() -> None:
    first, second = strangers_matters(GAS_TITLED, FEES_OPENING, start=START, region=REGION)
    assert first != second


def test_the_opening_place_bar_is_between_the_narrow_and_the_place_bars() -> None:
    DedupConfig(joint_threshold_opening_place=0.1)
    with pytest.raises(ValidationError):
        DedupConfig(joint_threshold_opening_place=0.01)
    with pytest.raises(ValidationError):
        DedupConfig(joint_threshold_opening_place=0.3)


BRAND_TITLED = (
    "金科云栖台燃气开通问题",
    "金科云栖台交房快一年了，燃气管道早就装好了，就是不开通，开发商和燃气公司互相推诿，"
    "业主每天只能用电磁炉做饭，请住建部门督促尽快通气。",
)
BRAND_OPENING = (
    "什么时候能通上燃气",
    "领导好！我们是云栖台的业主，孩子还小，家里老人身体也不好，每个月电费好几百块，"
    "冬天来了洗个热水澡都难，到底卡在哪一步了？",
)


def test_the_estate_named_without_the_brand_its_title_keeps_is_found() -> None:
    first, second = strangers_matters(BRAND_TITLED, BRAND_OPENING, start=START, region=REGION)
    assert first == second

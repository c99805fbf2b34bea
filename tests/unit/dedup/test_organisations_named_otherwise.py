"""Two more kinds of one organisation's one wrong (issue 13): a platform named otherwise than
the lending words ("钱宝网", "e租宝", "小牛在线": its victims' 爆雷, 兑付, 本金), and a training
school's or a gym's closing with its payers' prepaid fees ("启航英语跑路了，学费不退":
``organisations.PREPAID_CLOSURE``).

Each test puts two victims' differently worded letters of one organisation (the text alone
leaves them apart) beside a distractor the rule must not join: another organisation of the
kind, its staff on their wages, a borrower, a payment app named in passing, a school's other
problem.
"""

from __future__ import annotations

import pytest

from services.dedup.organisations import organisation_subject
from services.dedup.place_agreement import subjects_agree
from tests.unit.dedup.test_organisations import _assert_pair_and_apart

#: A letter: region, title, content.
Letter = tuple[str, str, str]

_QIANBAO: tuple[Letter, Letter] = (
    ("430104", "A4区钱宝网爆雷快两年了，追赃进度何时公开",
     "我是钱宝网的出借人，平台暴雷后公安已经立案，可是两年过去了一点消息都没有，"
     "我的二十万本金是给孩子准备的学费，恳请公布追赃挽损的进度。"),
    ("430100", "恳请严惩钱宝网实际控制人",
     "家里老人把养老钱全投进了钱宝网，现在血本无归，老人天天以泪洗面，"
     "请求依法从严惩处，尽快退赔我们这些受害群众。"),
)  # fmt: skip
_QIDI: tuple[Letter, Letter] = (
    ("430104", "A4区启迪英语跑路了，我们交了两万多学费",
     "上周孩子去上课，发现启迪英语门口贴了停课通知，前台和老师都不见了，"
     "我们去年刚续了两年的课，交了两万多，现在电话也打不通。"),
    ("430100", "请求教育局督促启迪英语培训学校退费",
     "启迪英语培训学校突然关门，几百个家长预交的学费没有着落，"
     "希望相关部门介入，让机构负责人把剩下课时的钱退给家长。"),
)  # fmt: skip

#: Letters the two above must not join: (a letter, what it is).
_PLATFORM_DISTRACTORS: list[tuple[Letter, str]] = [
    (("430100", "汇金宝爆雷，请求尽快立案追赃",
      "汇金宝平台停止兑付三个月了，我们出借人的本金一分都拿不回来，请公安尽快立案。"),
     "another platform's victims"),
    (("430100", "钱宝网拖欠员工工资",
      "我是钱宝网的员工，平台跑路后公司拖欠我们三个月工资，社保也停了。"),
     "its staff's wages"),
    (("430100", "钱宝网暴力催收",
      "我在钱宝网借了五千元，逾期后催收人员天天打电话骚扰我的家人，平台跑路了还要还吗？"),
     "a borrower"),
    (("430100", "支付宝账户被冒用，钱被转走",
      "我的支付宝账户被人冒用，里面的本金和余额宝的钱被转走，已经报案，请求立案侦查。"),
     "a payment app"),
]  # fmt: skip
_SCHOOL_DISTRACTORS: list[tuple[Letter, str]] = [
    (("430100", "星辰教育突然关门，学费不退",
      "孩子在星辰教育报了一年的数学课，交了一万二，现在人去楼空，家长们都联系不上老板。"),
     "another school's payers"),
    (("430100", "启迪英语拖欠老师工资",
      "我是启迪英语的老师，学校关门了，拖欠我们三个月工资，请人社部门帮忙讨薪。"),
     "its staff's wages"),
    (("430100", "启迪英语收费太贵",
      "启迪英语一节课三百元，一年的学费要三万多，请物价部门管一管。"),
     "its fees' level"),
    (("430100", "启迪英语外教没有资质",
      "启迪英语的外教没有教师资格证，也没有工作签证，请教育局查一查。"),
     "its licence"),
]  # fmt: skip


@pytest.mark.parametrize(
    "distractor", [d for d, _ in _PLATFORM_DISTRACTORS], ids=[w for _, w in _PLATFORM_DISTRACTORS]
)
def test_a_platform_named_otherwise_links_its_victims(distractor: Letter) -> None:
    _assert_pair_and_apart(_QIANBAO, distractor)


@pytest.mark.parametrize(
    "distractor", [d for d, _ in _SCHOOL_DISTRACTORS], ids=[w for _, w in _SCHOOL_DISTRACTORS]
)
def test_a_closed_schools_payers_link(distractor: Letter) -> None:
    _assert_pair_and_apart(_QIDI, distractor)


def test_names_and_wrongs_as_kept() -> None:
    assert organisation_subject(*_QIANBAO[0][1:]) == "钱宝网〔集资〕"
    subject = organisation_subject("请求加快e租宝案件退赔", "出借人的本金什么时候退？")
    assert subject == "E租宝〔集资〕"
    assert organisation_subject("小牛在线何时兑付", "小牛在线停止兑付，本金拿不回来。") == (
        "小牛在线〔集资〕"
    )
    # The title's platform, not one the content names in passing.
    assert (
        organisation_subject(
            "聚财网暴雷恳请追赃",
            "我在聚财网投了五万元，已经立案。我以前也在鑫诚车贷投过，及时退出了。",
        )
        == "聚财网〔集资〕"
    )
    # A website named in passing is not the platform: "人民网" beside "58车贷".
    assert (
        organisation_subject(
            "在人民网留言反映58车贷兑付", "我在人民网给领导留言，58车贷兑付没有进展，本金拿不到。"
        )
        == "58〔集资〕"
    )
    # One school written with its kinds or without: "启迪英语", "启迪英语培训学校", "启迪教育".
    assert organisation_subject(*_QIDI[0][1:]) == "启迪教育〔退费〕"
    assert organisation_subject(*_QIDI[1][1:]) == "启迪教育〔退费〕"
    subject = organisation_subject("力美健身房跑路了", "办了年卡才用了两次就关门了。")
    assert subject == "力美健身〔退费〕"
    # A kind's word in the title's clause after the business's name is no second business.
    subject = organisation_subject(
        "A3区力美健身会所年卡还没用完健身房就关门了",
        "我在力美健身会所办了一张年卡，才用了两个月健身房就关门了，上百个会员的余额没退。",
    )
    assert subject == "力美健身〔退费〕"
    assert not subjects_agree("启迪教育〔退费〕", "启迪健身〔退费〕")
    assert not subjects_agree("启迪教育〔退费〕", "启迪〔欠薪〕")


@pytest.mark.parametrize(
    ("title", "content"),
    [
        # A payment app, a website, a loan: no platform, whatever the victim's words.
        ("支付宝里的钱被骗走了", "对方让我用支付宝转账，本金五万全被骗走了，已经报案。"),
        ("国家电网跑路了吗", "交了电费一直没到账，本金都没了。"),
        ("房贷利率太高", "我的房贷本金还了一半，利息还是很高，银行不给转。"),
        # A platform named by a weak word and the case's words alone (立案), no collapse.
        ("闲鱼网上被骗请求立案", "在闲鱼网上买手机被骗了两千元，已经报案。"),
        ("好运宝被骗请立案", "好运宝的客服让我转账，被骗了五千元，请求立案。"),
        # A school's kind, no name; a school's other problem; the addressee.
        ("校外培训机构跑路学费不退怎么办", "孩子报的培训机构关门了，学费怎么退？"),
        ("少儿英语培训机构关门", "很多少儿英语培训机构关门，家长的学费不退。"),
        ("A市教育局对培训机构退费不管", "教育局对培训机构关门的事情不管，家长学费拿不回来。"),
        ("启迪英语老师体罚学生", "启迪英语的老师上课打学生，家长交了学费却受这种气。"),
        # One payer's own refund of a school still open, not its closing.
        ("启迪英语退费被拒", "我因为个人原因要搬家，找启迪英语退剩下的课时费，被拒绝退款。"),
        # Its landlord, not a payer.
        ("启迪英语跑路欠房租", "我是启迪英语的房东，他们跑路了，欠我半年房租。"),
    ],
)
def test_no_subject(title: str, content: str) -> None:
    assert organisation_subject(title, content) == ""

"""One organisation's letters name it in several forms (issue 13): its brand alone, its brand
with one trade or kind word or another, its full registered name. Its subject is one key
whatever follows the brand ("鑫融汇网贷", "鑫融汇金服", "鑫融汇平台", "鑫融汇出借人" are
鑫融汇; "恒锐电子科技有限公司", "恒锐公司", "恒锐电子" are 恒锐), its wrong kept apart as
before (wages, not waste water or social insurance; a school's payers, not its teachers).
"""

from __future__ import annotations

import pytest

from services.dedup.organisations import organisation_subject
from services.dedup.place_agreement import subjects_agree

_PLATFORM = (
    (
        "鑫融汇平台逾期不兑付",
        "我在鑫融汇网贷平台投资了十五万，平台逾期不兑付，请公安机关立案侦查。",
    ),
    ("鑫融汇金服爆雷", "鑫融汇金服平台爆雷了，出借人几千人，办公室已经人去楼空。"),
    ("鑫融汇出借人请求立案", "我们是鑫融汇的出借人，平台停止兑付三个月了，请经侦部门尽快立案。"),
    ("再问鑫融汇案件进展", "上次反映鑫融汇逾期不兑付的问题，一个多月了没有消息，出借人等说法。"),
    ("鑫融汇良性退出是骗局", "鑫融汇说要良性退出，每月兑付百分之一，请政府监督平台资金。"),
    ("鑫融汇出借人的养老钱", "鑫融汇到现在一分钱没退，恳请领导督促办案，追赃挽损。"),
    ("鑫融汇平台跑路了", "鑫融汇平台跑路了，我投了十万本金。"),
)
_WAGES = (
    ("恒锐电子拖欠工资", "我们是A7县经开区恒锐电子科技有限公司的员工，公司三个月没有发工资。"),
    ("恒锐公司不发工资", "恒锐电子欠我们工资快四个月了，请督促恒锐电子尽快发工资。"),
    ("讨薪恒锐电子科技", "我在A7县恒锐电子做品检，公司拖欠十月到十二月的工资。"),
    (
        "恒锐电子员工请求年前发工资",
        "我们恒锐电子一百多个工人，年前拿不到工资连车票都买不起，先用欠薪保障金垫付。",
    ),
    ("恒锐电子欠薪仍未解决", "年前说好的先发一个月工资也没有兑现，我们工人的工资怎么办？"),
)


@pytest.mark.parametrize(("title", "content"), _PLATFORM)
def test_a_platforms_letters_are_kept_by_its_brand(title: str, content: str) -> None:
    assert organisation_subject(title, content) == "鑫融汇〔集资〕"


@pytest.mark.parametrize(("title", "content"), _WAGES)
def test_an_employers_letters_agree_whatever_trade_follows_its_brand(
    title: str, content: str
) -> None:
    subject = organisation_subject(title, content)
    assert subject.startswith("恒锐〔欠薪")
    assert subjects_agree(subject, "恒锐〔欠薪·电子〕")
    assert subjects_agree(subject, "恒锐〔欠薪〕")


def test_a_schools_forms_are_one_school() -> None:
    assert (
        organisation_subject(
            "童画艺术培训关门不退费", "A2区童画艺术培训中心上周突然关门，交了九千多学费。"
        )
        == "童画教育〔退费〕"
    )
    assert (
        organisation_subject(
            "童画培训中心预收费", "童画艺术培训中心关门前还在推销课时包，请求退还剩余课时费。"
        )
        == "童画教育〔退费〕"
    )
    assert (
        organisation_subject("童画美术退费进展", "几十个家长每家几千块。找老板找不到，门店也锁了。")
        == "童画教育〔退费〕"
    )


def test_a_gyms_members_counting_their_loss_name_its_closing() -> None:
    assert (
        organisation_subject(
            "力美健身会员退费",
            "我们力美健身的会员已经自发统计了一百多人，损失合计一百多万，请政府部门牵头处理退费问题。",
        )
        == "力美健身〔退费〕"
    )
    # One payer's own refund of a gym still open is not its closing.
    assert (
        organisation_subject("力美健身会员退费", "我因为搬家想退会员卡，力美健身不给退费。") == ""
    )


@pytest.mark.parametrize(
    ("title", "content"),
    [
        # One brand's other wrongs: its waste water, its workers' social insurance.
        ("恒锐电子排放废水", "A7县经开区恒锐电子公司晚上往水沟里排废水。"),
        ("恒锐电子厂偷排污水", "我们是恒锐电子厂后面的村民，厂里的污水晚上流到水沟里。"),
        ("盈峰公司不给员工交社保", "公司一直没给我们交社保。我们都是靠工资过日子的人。"),
        # A school's teachers on their wages are no payers.
        ("童画培训中心拖欠老师工资", "我是童画艺术培训中心的美术老师，机构关门前拖欠三个月工资。"),
        # A trade's park, market or camera is no employer.
        ("泉塘物流园工人工资被拖欠", "泉塘物流园里好几家公司拖欠工资。"),
        ("呼吁纠正电子警察的错误执法", "电子警察拍错了，扣了工资一样的罚款。"),
        # A service's platform, a kind, money put in: no platform's brand.
        ("12345平台反映跑路", "平台跑路了，本金没了。"),
        ("全体出借人请求立案", "平台停止兑付，出借人请求立案。"),
        ("几十万往平台里投跑路了", "几十万往平台里投，平台跑路了，本金没了。"),
        # A title naming a brand before a victims' word that its content never names.
        ("鑫融汇出借人请求立案", "平台停止兑付三个月了，请经侦部门尽快立案。"),
    ],
)
def test_no_brand_subject(title: str, content: str) -> None:
    assert organisation_subject(title, content) == ""


def test_two_trades_of_one_brand_are_two_employers() -> None:
    assert not subjects_agree("恒锐〔欠薪·电子〕", "恒锐〔欠薪·物流〕")

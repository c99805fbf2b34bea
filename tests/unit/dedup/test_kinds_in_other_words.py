"""Kinds residents write in other words (issue 13, a hand-written set's diagnosis).

An estate's shared income (its lifts' adverts) is a kind of its own, not a fee rise; a
buyer's title on the site's workers coming for their wages is the buyers' worry for their
homes, not the wages; a bus route cancelled, stopped or to be restored, a road's cars
drowned or its drainage, a refuse station called the sanitation department's, and works
asked to resume at a stalled estate are the kinds their usual words name. Each word is
not its kind where a real letter uses it of something else.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.dedup import text
from tests.unit.dedup.letters import strangers_matters

START = datetime(2023, 6, 5, 9, tzinfo=UTC)


def _kinds(title: str) -> frozenset[str]:
    return text.claims(text.topic(text.fold(title)))


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("桂香苑小区电梯广告收益去向不明", "common_income"),
        ("要求物业公示小区公共收益", "common_income"),
        ("小区停车场广告收入被物业独占", "common_income"),
        ("锦汀府农民工来要工资，业主更担心了", "late_handover"),
        ("A1区318路公交车为什么取消了", "bus_course"),
        ("318路停运没有征求市民意见", "bus_course"),
        ("关于撤销318路公交的意见", "bus_course"),
        ("恢复318公交", "bus_course"),
        ("318路何时恢复", "bus_course"),
        ("公交停运", "bus_course"),
        ("再次请求恢复牛形岭公交", "bus_course"),
        ("A市杉木冲路桥洞又淹车了", "flooding"),
        ("关于A2区杉木冲路排涝问题的建议", "flooding"),
        ("栖凤路环卫站噪音和臭味", "refuse_station"),
        ("关于澜岸家园北侧环卫转运站的投诉", "refuse_station"),
        ("咨询栖凤路转运站整改进展", "refuse_station"),
        ("鼎泰锦汀府什么时候复工", "late_handover"),
        ("锦汀府复工是假复工", "late_handover"),
        ("关于锦汀府业主房贷征信问题", "late_handover"),
        ("再次请求保护锦汀府业主征信", "late_handover"),
        ("关于政府部门普通聘用人员加班（值班）发放加班费问题的咨询", "wages"),
    ],
)
def test_the_kind_in_other_words(title: str, kind: str) -> None:
    assert kind in _kinds(title)


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        # The lift's adverts are no lift out of order.
        ("桂香苑小区电梯广告收益去向不明", "lifts"),
        # The income is no fee rise.
        ("桂香苑小区电梯广告收益去向不明", "fees"),
        # A buyer's worry is not the workers' pay.
        ("锦汀府农民工来要工资，业主更担心了", "wages"),
        # The workers' own titles stay their pay.
        ("锦汀府工地拖欠农民工工资", "late_handover"),
        # A stop is not the route's course.
        ("请求取消公交站台", "bus_course"),
        # A lift stopped is no bus (a real title).
        ("关于地王大厦电梯停运的再投诉", "bus_course"),
        # A fee raised without the owners' assembly is no committee to found.
        ("投诉物业未经业主大会涨物业费", "owners_committee"),
        # A stop restored is no route's course (a real title, and one of a set).
        ("呼吁将M市3路、20路公交车恢复新卫校车站", "bus_course"),
        ("请求恢复156路梨园坡站点", "bus_course"),
        # A station's workers' pay is theirs, not its neighbours' station.
        ("栖凤路转运站环卫工人加班费被克扣", "refuse_station"),
        ("垃圾站工人工资被拖欠", "refuse_station"),
        # A parcel depot is no refuse station.
        ("快递转运站车辆占道", "refuse_station"),
        # Firms' works and production resumed (2020) are no stalled estate.
        ("关于企业复工复产的咨询", "late_handover"),
        # A road's works restored, a site resuming against an order.
        ("A市某路面恢复工程进度缓慢", "late_handover"),
        ("工地被叫停后又私自复工", "late_handover"),
        # A credit office's window (a real title).
        ("咨询A7县政务中心征信窗口是什么性质的平台？", "late_handover"),
    ],
)
def test_not_the_kind(title: str, kind: str) -> None:
    assert kind not in _kinds(title)


def test_the_workers_own_title_stays_wages() -> None:
    assert _kinds("锦汀府工地拖欠农民工工资") == frozenset({"wages"})
    assert text.main_clause_claims(text.fold("锦汀府项目欠薪")) == frozenset({"wages"})


def test_the_buyers_worry_in_another_clause() -> None:
    folded = text.fold("锦汀府农民工来要工资，业主更担心了")
    assert text.main_clause_claims(folded) == frozenset({"late_handover"})


def test_the_income_and_the_committee_are_one_family() -> None:
    """Owners asking where their income goes write of it or of their committee."""
    assert not text.claims_differ(
        _kinds("溪畔花园小区公共收益账目"), _kinds("关于溪畔花园业委会的投诉")
    )
    assert text.claims_differ(
        _kinds("桂香苑小区电梯广告收益去向不明"), _kinds("投诉物业未经业主大会涨物业费")
    )


def test_shared_income_is_not_a_fee_rise() -> None:
    """Two strangers of one estate: its adverts' income and its fee raised, two matters."""
    first, second = strangers_matters(
        (
            "投诉物业未经业主大会涨物业费",
            "桂香苑小区物业公司今年起未经业主大会表决，把物业费从每平方1.5元涨到2.2元，"
            "请相关部门查处。",
        ),
        (
            "桂香苑小区电梯广告收益去向不明",
            "A5区桂香苑小区电梯里的广告收益一直被物业拿走，从没向业主公示。请问这部分收益"
            "应该归谁？",
        ),
        start=START,
        region="430111",
    )
    assert first != second


def test_a_buyers_worry_is_not_the_workers_wages() -> None:
    """A workers' letter on their pay and a buyer's on the workers seen coming for it."""
    first, second = strangers_matters(
        (
            "锦汀府项目欠薪",
            "我们是锦汀府项目的木工班组，干了半年活，总包一分钱工资没结，年底了还拿不到，"
            "请劳动监察大队帮我们讨回工资。",
        ),
        (
            "锦汀府农民工来要工资，业主更担心了",
            "锦汀府工地前几天又有一批农民工来讨薪，说开发商欠总包，总包欠他们。我们业主看了"
            "心里更慌，开发商连工资都发不出，房子什么时候能建好？请政府摸清这个项目的债务"
            "情况，给业主一个交代。",
        ),
        start=START,
        region="430112",
    )
    assert first != second


def test_a_route_cancelled_in_two_wordings() -> None:
    """Two strangers on one route stopped, one saying it stopped, one asking it back."""
    first, second = strangers_matters(
        (
            "318路停运没有征求市民意见",
            "318路公交车10月1日起停运了，事先没有听证也没有征求沿线居民意见，牛形岭片区的"
            "居民出行非常不便，请求恢复318路。",
        ),
        (
            "318路何时恢复",
            "318路公交停运已经两个月了，牛形岭安置小区的老人看病、孩子上学都很不方便，请问"
            "318路什么时候能恢复？",
        ),
        start=START,
        region="430102",
    )
    assert first == second

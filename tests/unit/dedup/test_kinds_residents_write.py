"""Kinds of an estate's problems in the words residents commonly write (issue 13).

A second blind review set found residents of one estate naming one problem in words the
matcher did not read as its kind: its heating ("集中供暖不热", "暖气温度不达标"), its roof's
waterproofing, its garage let in water, its kindergarten never opened, its children without
school places, its homes late because its works stopped ("逾期交房", "3栋5栋停工",
"保交楼"), a road's broken surface, a shanty town's redevelopment, its property firm
gone. Each is read as one kind; and a word is not its kind where it names something else
(an industrial park's services, a river's water, an inlet, a road's paving, a worker's
probation). A building put up against the rules said with "搭建" is not read as its kind:
an estate's are each household's (one's balcony shed, another's rooftop rooms), and the
kind at one estate would make them one matter.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.dedup import estate_kinds, organisations, text
from tests.unit.dedup.letters import letter, run

START = datetime(2021, 11, 8, 9, tzinfo=UTC)


def _kinds(title: str) -> frozenset[str]:
    return text.claims(text.topic(text.fold(title)))


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("澄湖壹号集中供暖不热", "heating"),
        ("暖气交了钱不热", "heating"),
        ("卓越澄湖壹号暖气温度不达标", "heating"),
        ("我们9栋屋顶防水要重做", "leaks"),
        ("万达溪岸里车库再次进水", "flooding"),
        ("越秀琴湾配套幼儿园迟迟不开园", "estate_kindergarten"),
        ("反映琴湾小区配套园问题", "estate_kindergarten"),
        ("希望解决檀悦孩子上学难", "school_admission"),
        ("宏图南园逾期交房", "late_handover"),
        ("宏图南园3栋5栋停工", "late_handover"),
        ("宏图南园烂尾了吗", "late_handover"),
        ("请求宏图南园保交楼", "late_handover"),
        ("南托新居旁工地夜里施工", "building_works"),
        ("A7县东六路有较大的路面破损问题，希望尽快修复", "road_repair"),
        ("反映A7县开元东路路面沉坑的问题", "road_repair"),
        ("K11县县大圩镇第一小圩右上二百米路段损坏严重，请求修复", "road_repair"),
        ("A3区附三医院西面的双塘路路窄坑多，希望早日修缮", "road_repair"),
        ("黄泥塘路坑坑洼洼", "road_repair"),
        ("我们村的路没法走了", "road_repair"),
        ("谷丰村道路修复", "road_repair"),
        ("反映B2区麻纺厂大园村将军楼棚改补偿问题", "expropriation"),
        ("K8县棚户区改造问题的咨询", "expropriation"),
        ("投诉B9市公园里小区自来水水质问题", "drinking_water"),
        ("小区的水不敢喝", "drinking_water"),
        ("金辉优步花园物业撤场", "property_change"),
        ("小区没有物业了", "property_change"),
        ("讨要宏图南园项目工钱", "wages"),
        ("牛头村化工厂刺鼻气味", "pollution"),
        ("枣园市场管理方乱涨摊位费", "fees"),
        ("锦程雅郡变压器负荷不足", "supply_cut"),
        ("锦程华苑老旧线路", "supply_cut"),
        ("投诉L市岳鹿欧城开发商虚假宣传", "false_advertising"),
        ("投诉L市职业技术学院强制学生进厂顶岗实习", "internship"),
        ("麓南商贸职业学院扣发毕业证", "diploma"),
        ("水竹小区改造工程拖延", "renovation"),
    ],
)
def test_a_kind_residents_write_is_read(title: str, kind: str) -> None:
    assert kind in _kinds(title)


@pytest.mark.parametrize(
    ("title", "not_kind"),
    [
        # An industrial park's services, not an estate's kindergarten.
        ("咨询A市经开区产业工人生活配套园PPP项目选址地点", "estate_kindergarten"),
        # A river's water is its pollution, not drinking water.
        ("湘江水质越来越差", "drinking_water"),
        # An inlet is no flood.
        ("污水处理厂进水口恶臭", "flooding"),
        # A road to be paved, and what is on a road, are not its surface broken.
        ("请求领导落实L5县葛竹坪镇旗形村的硬化路面问题", "road_repair"),
        ("B4区金锦社区的路面硬化高低不平易积水", "road_repair"),
        ("反映A市潇楚北路三汊矶大桥到普瑞大道段路面减速带的问题", "road_repair"),
        ("滨江路烂尾多年", "road_repair"),
        # A worker's probation is no student's internship.
        ("公司实习期工资太低", "internship"),
        # A promise not kept is of what was promised (a power line moved: its object's).
        ("锦绣江南开发商承诺的高压线迁改没兑现", "false_advertising"),
        ("投诉C4市燕兴华城3期2栋有人违规搭建外棚", "illegal_building"),
        # A plea for quiet names no source: the content's object is the letter's.
        ("还我们一个安静的夜晚", "noise"),
    ],
)
def test_a_word_of_something_else_is_not_the_kind(title: str, not_kind: str) -> None:
    assert not_kind not in _kinds(title)


def test_an_estates_stalled_works_are_its_late_homes_not_its_workers_wages() -> None:
    late = _kinds("宏图南园逾期交房")
    assert late == _kinds("宏图南园3栋5栋停工") == _kinds("请求宏图南园保交楼")
    assert text.claims_differ(late, _kinds("宏图南园工地拖欠农民工工资"))
    assert "late_handover" in estate_kinds.NARROW_KINDS
    assert "heating" in estate_kinds.NARROW_KINDS
    # A building's leak is one, as its lift is; two buildings' or parts' are two.
    assert "leaks" in estate_kinds.NARROW_KINDS
    assert text.parts_differ("楚天御园9栋顶楼漏水", "楚天御园3栋漏水")


def test_an_estates_garage_flooded_and_its_parking_fees_are_two_kinds() -> None:
    assert text.claims_differ(_kinds("万达溪岸里车库再次进水"), _kinds("溪岸里停车费上涨"))
    assert text.claims_differ(_kinds("锦麟府二期墙体开裂"), _kinds("锦麟府办证再次反映"))


def test_an_estates_heating_in_two_residents_words_is_one_matter() -> None:
    decisions = run(
        [
            letter(
                0,
                "A5区金桂苑小区集中供暖不热",
                "金桂苑小区今年冬天的集中供暖一直不热，室内温度只有十二三度，老人小孩冻得"
                "受不了，供暖费一分没少交，请求有关部门督促热力公司尽快解决。",
                start=START,
                region="430111",
                ref="pr_a",
            ),
            letter(
                9,
                "金桂苑暖气温度不达标",
                "我是金桂苑的业主，家里暖气摸着是凉的，温度计量了才十四度，打热力公司电话"
                "说在排查，一直没有结果，希望政府督促尽快让暖气达标。",
                start=START,
                region="430111",
                ref="pr_b",
            ),
        ]
    )
    assert decisions[1].matter_id == decisions[0].matter_id


def test_a_platforms_lenders_unable_to_withdraw_are_its_collapse() -> None:
    title = text.fold("聚财猫平台无法提现")
    content = text.fold(
        "聚财猫理财平台从上个月开始无法提现，客服说系统升级，现在客服也联系不上了。"
        "我投了八万，请金融办和公安部门调查。"
    )
    subject = organisations.organisation_subject(title, content)
    assert subject == organisations.organisation_subject(
        text.fold("聚财猫理财爆雷"),
        text.fold("聚财猫理财平台老板失联，投资人几百人，请求公安机关尽快立案。"),
    )
    assert subject.endswith(f"〔{organisations.PLATFORM_COLLAPSE}〕")


def test_a_school_teacher_who_paid_a_gym_is_its_payer_not_its_staff() -> None:
    gym = organisations.organisation_subject(
        text.fold("力美健身卷款跑路"),
        text.fold(
            "您好！我是一名小学老师。A3区力美健身关门前一个月还在搞活动推销会员卡和私教课，"
            "充五千送两千，明显是预谋卷款。请公安机关立案调查。"
        ),
    )
    assert gym.endswith(f"〔{organisations.PREPAID_CLOSURE}〕")
    # The business's own teacher is its staff.
    assert not organisations.organisation_subject(
        text.fold("力美健身卷款跑路"),
        text.fold("我是力美健身的一名老师，力美健身突然关门，会员卡的钱也不退，老板跑路了。"),
    )

"""How places and kinds of problem are read from real petitions (issue 13).

A fresh probe of hand-judged mailbox letters showed generic faults: "乾" folded to "干"
("乾城嘉园" indexed as "干城嘉园"), fragments of sentences taken for places ("当地村",
"目前小区", "询问此路", "同开发干城嘉园"), and a village's drinking water named no kind
of problem, so two villagers' letters on it were told apart by nothing and linked by
nothing either.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.common.places import places
from services.common.script import fold_script_and_width
from services.dedup import text
from tests.unit.dedup.letters import letter, run

START = datetime(2019, 5, 6, 9, tzinfo=UTC)
CITY = "430100"


def test_qian_of_a_name_is_kept_as_written() -> None:
    assert fold_script_and_width("乾城嘉园") == "乾城嘉园"
    assert "乾城嘉园" in places("反映A市乾城嘉园二期B区域规划问题")
    # Traditional script still folds: "乾" alone is kept, the rest of the text is not.
    assert fold_script_and_width("關於乾城嘉園後門") == "关于乾城嘉园后门"


def test_a_name_starting_with_a_word_of_the_sentence_is_cut_or_dropped() -> None:
    for sentence in ("当地村民", "全体村民反映", "目前小区物业", "虽然小区", "询问此路"):
        assert places(sentence) == frozenset(), sentence
    assert places("一条路修了三年") == frozenset()
    assert places("两个村合并") == frozenset()
    assert places("同开发乾城嘉园的公司") == {"乾城嘉园"}
    assert places("求协调铁路") == frozenset()


def test_real_names_keep_their_first_character() -> None:
    assert places("同兴物流扰民") == {"同兴物流"}
    assert places("三家村修路") == {"三家村"}
    assert places("本人住在阳光小区") == {"阳光小区"}
    assert places("浏阳一中") == {"浏阳一中"}


def test_drinking_water_is_a_kind_of_problem() -> None:
    assert text.claims("东冲铺村饮水安全问题") == {"drinking_water"}
    assert text.claims("东冲铺村办自来水厂管道引水") == {"drinking_water"}
    # The water company is a firm, its fees are fees; a cut supply is a cut supply.
    assert text.claims("自来水公司乱收费") == {"fees"}
    assert text.claims("小区停水三天") == {"water_cut"}


def test_two_villagers_on_their_villages_drinking_water_are_one_matter() -> None:
    decisions = run(
        [
            letter(
                0,
                "请求解决B9市东冲铺村饮水安全问题，建设管道引水工程",
                "我们东冲铺村地处山区，村民饮水一直靠挑井水，夏天井水干涸，水质也不安全，"
                "请求政府帮助建设管道引水工程，从水库引水到村，解决全村饮水安全。",
                start=START,
                region=CITY,
                ref="pr_a",
            ),
            letter(
                4,
                "联名请求B市东冲铺村办自来水厂走管道引水路",
                "东冲铺村村民联名请求：村民饮水一直靠挑井水，夏天井水干涸，请求在村里办自来水厂，"
                "建设管道引水工程，从水库引水到村，永不耗能，解决全村饮水安全。",
                start=START,
                region=CITY,
                ref="pr_b",
            ),
        ]
    )
    assert decisions[1].matter_id == decisions[0].matter_id


def test_one_villages_water_and_a_building_in_it_are_two_matters() -> None:
    decisions = run(
        [
            letter(
                0,
                "请求解决B9市东冲铺村饮水安全问题",
                "我们东冲铺村村民饮水一直靠挑井水，夏天井水干涸，水质也不安全，请求建设管道引水工程。",
                start=START,
                region=CITY,
                ref="pr_a",
            ),
            letter(
                4,
                "举报B9市东冲铺村村民违建",
                "东冲铺村有村民在村道边违建三层楼房，占用集体土地，村里多次劝阻无效，请求查处违建。",
                start=START,
                region=CITY,
                ref="pr_b",
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


def test_expressways_and_numbered_roads_are_places() -> None:
    assert places("关于A市星沙东六线下穿长永高速开工日期咨询") == {"星沙东六线", "长永高速"}
    assert places("反映A市经开区东六线下穿长永高速的问题") == {"东六线", "长永高速"}
    assert places("长永高速公路噪音") == {"长永高速"}
    assert places("高速公路收费太贵") == frozenset()
    assert places("二环线拥堵") == {"二环线"}
    assert places("万家丽高架桥下") == {"万家丽高架"}
    # A hotline, a red line, a first-tier city or a route's course is no road.
    for sentence in ("拨打市长热线", "越过红线", "一线城市", "长沙三线", "调整线路", "走高速"):
        assert places(sentence) == frozenset(), sentence


def test_an_estates_phase_is_named_with_or_without_its_estate_word() -> None:
    assert places("反映A市乾城嘉园二期B区域规划问题") == {"乾城嘉园", "乾城二期"}
    assert places("坚决反对修改A市乾城二期原规划") == {"乾城二期"}
    assert places("阳光花园三期业主") == {"阳光花园", "阳光三期"}
    # A project's or a course's phase is no estate's.
    # Nor are phases named together, nor a sentence's words before one.
    assert places("星城一期和二期") == {"星城一期"}
    assert places("为何要用二期的钱") == frozenset()
    for sentence in ("本项目二期工程", "第二期培训", "三期", "我们小区二期"):
        assert places(sentence) == frozenset(), sentence


def test_strangers_on_one_expressways_different_problems_are_two_matters() -> None:
    # An expressway holds many matters, as a road does: its noise and its toll.
    decisions = run(
        [
            letter(
                0,
                "长永高速噪音扰民",
                "我们住在长永高速旁边，每天晚上大货车噪音很大，请求安装隔音屏。",
                start=START,
                region=CITY,
                ref="pr_a",
            ),
            letter(
                2,
                "长永高速收费不合理",
                "长永高速收费站收费标准过高，短短几公里收费十元，请求降低收费。",
                start=START,
                region=CITY,
                ref="pr_b",
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


def test_a_name_starting_with_a_quantity_is_kept_whole() -> None:
    # A quantity leaving one character is a village's name, not a sentence's "三条".
    assert places("A9县三条岭村饮水困难") == {"三条岭村"}
    assert places("一条龙村村道硬化") == {"一条龙村"}
    assert places("一条路修了三年") == frozenset()


def test_a_phase_in_digits_is_the_phase_in_words() -> None:
    assert places("燕兴华城3期顶楼违建") == places("燕兴华城三期顶楼违建") == {"燕兴华城三期"}


def test_a_verb_or_a_period_is_no_expressway_or_phase() -> None:
    assert places("新兴小区紧邻高速出口噪音扰民") == {"新兴小区"}
    assert places("小区紧挨着李塘家高速出口") == {"李塘家高速"}
    assert places("抽油烟机高速运转") == frozenset()
    # A period ("十三五期间", "五一期间") and a list of phases name no estate.
    for sentence in (
        "十三五期间有新引进",
        "今年五一期间",
        "铁建分为一期和二期",
        "现在三期四期都已竣工",
    ):
        assert places(sentence) == frozenset(), sentence


def test_two_villages_one_of_a_quantity_name_are_two_matters() -> None:
    decisions = run(
        [
            letter(
                0,
                "A9县三条岭村饮水困难",
                "三条岭村地势高，地下水匮乏，每到秋冬村民要到几里外挑水喝，请求政府安装自来水。",
                start=START,
                region=CITY,
                ref="pr_a",
            ),
            letter(
                5,
                "A9县石岭村饮水困难",
                "石岭村地势高，地下水匮乏，每到秋冬村民要到几里外挑水喝，请求政府安装自来水。",
                start=START,
                region=CITY,
                ref="pr_b",
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


def test_a_villages_burst_water_main_and_its_connection_fee_are_two_matters() -> None:
    # A review's scenario (F06): one writer's broken water main and the water works'
    # connection fee in one village; a charge for the water is not the supply.
    assert "drinking_water" not in text.claims("湘丰村自来水安装费太高")
    decisions = run(
        [
            letter(
                0,
                "A8县金井镇湘丰村自来水管道破裂",
                "湘丰村主干道下的自来水管道破裂一个多星期，水一直往外冒，家家户户水压很低，"
                "村民打了几次电话都没人来修，请尽快派人维修。",
                start=START,
                region=CITY,
            ),
            letter(
                35,
                "A8县金井镇湘丰村自来水安装费太高",
                "湘丰村新搬来的几户人家要接自来水，水厂要收每户三千元安装费，比隔壁村贵了一倍，"
                "村民负担不起，请问这个安装费有没有依据。",
                start=START,
                region=CITY,
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id

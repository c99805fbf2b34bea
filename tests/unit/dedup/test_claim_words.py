"""Kinds of problem read from real letters (``claim_words``, issue 13).

Titles of the real board name problems the first kinds lacked: an estate's refuse station,
a village's paving, a junction's lights, a site's works at night. Two residents' letters on
one of them at one place are one matter at the bar of one kind; a place's two problems of
two such kinds are not; and a word is not its kind where it names something else (a moved
household, a lift's adverts, a refund owed, a plant's own works).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.dedup import claim_words, text
from tests.unit.dedup.letters import letter, run

START = datetime(2019, 5, 6, 9, tzinfo=UTC)


def _kinds(title: str) -> frozenset[str]:
    return text.claims(text.topic(text.fold(title)))


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("投诉K4县县府工地施工扰民", "building_works"),
        ("A7县泉塘电力职院夜间施工扰民投诉无门", "building_works"),
        ("第二次投诉泉星社区飞歌KTV和海阔天空KTV扰民", "noise"),
        ("A5区佳园星城小区居民反对附近修建垃圾中转站", "refuse_station"),
        ("请求解决A2区克拉美丽山庄垃圾成堆问题", "rubbish"),
        ("反映C4市梅桥镇白洋村露天焚烧垃圾现象猖獗", "pollution"),
        ("反映A9市北盛镇对泉水村塘下组土地征收存在的违规行为", "expropriation"),
        ("投诉D3区五一街道和合江街道征地拆迁不合理", "expropriation"),
        ("希望能在A4区栖凤路与佳园路交叉路口设置交通信号灯装置", "traffic_lights"),
        ("A7县星沙东七路睿城小区东门口长期事故不断，建议双向增加减速带", "speed_bumps"),
        ("L5县原增加寨村村级道路请求硬化", "road_paving"),
        ("投诉J5县五星学校乱收学费", "fees"),
        ("小区外墙漏水民不能安居，榔梨豪庭业主盼望解决", "leaks"),
        ("请求有关部门处理L5县哑桥战备公路哑塘分路处淹水路段", "flooding"),
        ("A7县未来漫城电梯整改过后还是掉层，请求更换！", "lifts"),
    ],
)
def test_a_real_titles_problem_is_read(title: str, kind: str) -> None:
    assert kind in _kinds(title)


@pytest.mark.parametrize(
    ("title", "not_kind"),
    [
        # A moved household writing of its purchase; the demolition office's doing.
        ("咨询A7县楚龙街道拆迁户团购房源的相关事宜", "expropriation"),
        ("投诉A4区伍家岭拆迁办随意停我家水电", "expropriation"),
        # A tax levied is no expropriation.
        ("咨询征收房产税的问题", "expropriation"),
        # A lift's adverts, a kind of building.
        ("A1区芙蓉华天小区电梯广告收入去向", "lifts"),
        ("反映G市高层电梯房采用同层排水不科学的问题", "lifts"),
        # A refund owed by the state: a subsidy.
        ("C市大学生咨询关于编制学费补偿的问题", "fees"),
        # A mixing plant's work at night is the plant's nuisance, not a site's works.
        ("伊景园滨和苑旁边搅拌站晚上施工", "building_works"),
        ("丽景新苑旁搅拌站夜间施工扰民", "building_works"),
    ],
)
def test_a_word_naming_something_else_is_not_its_kind(title: str, not_kind: str) -> None:
    assert not_kind not in _kinds(title)


def test_no_word_is_of_two_kinds() -> None:
    first = {w for words in text.CLAIM_KINDS.values() for w in words}
    counted: dict[str, int] = {}
    for words in claim_words.CLAIM_WORDS.values():
        for word in words:
            counted[word] = counted.get(word, 0) + 1
    assert not first & set(counted)
    assert all(n == 1 for n in counted.values())


def test_a_plants_works_at_night_are_the_plants() -> None:
    assert text.CLAIM_KINDS["mixing_plant"] == claim_words._PLANTS
    assert _kinds("伊景园滨和苑旁边搅拌站晚上施工") == {"mixing_plant"}
    assert _kinds("丽景新苑旁商砼站夜间施工扰民") == {"mixing_plant"}


def test_an_estates_refuse_station_in_two_residents_words_is_one_matter() -> None:
    decisions = run(
        [
            letter(
                0,
                "A5区金桂苑小区门口垃圾中转站臭气熏天",
                "金桂苑小区大门右边的垃圾中转站离住户不到二十米，夏天一到臭气熏天，苍蝇蚊子"
                "到处飞，窗户都不敢开。请求有关部门把中转站搬离小区。",
                start=START,
                region="430111",
                ref="pr_a",
            ),
            letter(
                9,
                "请求搬迁金桂苑大门旁的垃圾站",
                "我是金桂苑的住户，大门旁边的垃圾站每天早上五点就开始压缩作业，气味很大，"
                "老人小孩出门都要捂着鼻子走，希望早日搬走。",
                start=START,
                region="430111",
                ref="pr_b",
            ),
        ]
    )
    assert decisions[1].matter_id == decisions[0].matter_id


def test_a_villages_paving_and_its_expropriation_are_two_matters() -> None:
    decisions = run(
        [
            letter(
                0,
                "A6区茶亭镇代公桥村罗家塘组公路硬化问题",
                "代公桥村罗家塘组到村部的公路还是泥巴路，下雨天车子进不来，小孩上学一身泥，"
                "请求政府把这段公路硬化。",
                start=START,
                region="430112",
                ref="pr_a",
            ),
            letter(
                30,
                "A6区茶亭镇代公桥村罗家塘组征地补偿问题",
                "代公桥村罗家塘组的田被征去修路，说好的补偿款到现在只发了一半，剩下的"
                "没人管，请求政府督促发放。",
                start=START,
                region="430112",
                ref="pr_b",
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


def test_two_buildings_leaks_at_one_estate_are_two_matters() -> None:
    # Review r22: one kind (leaks) at one estate is as many matters as the parts named.
    decisions = run(
        [
            letter(
                0,
                "翰林苑小区12栋顶楼漏雨",
                "A5区翰林苑小区12栋顶楼，一下雨屋顶就漏雨，天花板发霉掉灰，找开发商说过了保修"
                "期，找物业说要动用维修基金，一直没人修。",
                start=START,
                region="430111",
                ref="pr_a",
            ),
            letter(
                9,
                "翰林苑小区7栋外墙渗水",
                "A5区翰林苑小区7栋外墙瓷砖开裂，雨水从外墙渗进卧室，墙纸都泡烂了，开发商不维修。",
                start=START,
                region="430111",
                ref="pr_b",
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


def test_one_writers_lift_out_of_order_and_a_lift_to_add_are_two_matters() -> None:
    decisions = run(
        [
            letter(
                0,
                "美林小区8栋电梯又坏了",
                "A3区美林小区8栋电梯又坏了，这是这个月第三次，请质监部门督促物业彻底维修。",
                start=START,
                region="430104",
            ),
            letter(
                20,
                "美林小区3栋加装电梯补贴什么时候发",
                "A3区美林小区3栋的加装电梯已经完工半年，政府承诺的加装电梯补贴一直没有发放，"
                "请问什么时候能到位？",
                start=START,
                region="430104",
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


def test_parts_of_an_estate() -> None:
    assert text.parts_differ("锦都花园2栋电梯停运", "锦都花园9栋电梯年检过期")
    assert text.parts_differ("翰林苑车库漏水", "翰林苑小区7栋外墙渗水")
    assert not text.parts_differ("美林小区电梯经常困人", "美林小区8栋电梯坏")
    assert _kinds("新塘村拆迁户补偿款拖欠") >= {"expropriation"}
    assert _kinds("老旧小区加装电梯审批太慢") == {"lift_addition"}

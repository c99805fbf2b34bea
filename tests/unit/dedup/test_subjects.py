"""One object at one estate, what residents' letters are mainly about (the twelfth session):
a mixing plant beside it, its restaurants' fumes, parking spaces forced on its buyers.

Each test puts a pair of the joint probe's letters that the text alone does not link
(scores 0.00-0.15) beside a distractor the rule must not link: every test fails without
the rule (the pair stays apart) and with a rule too broad (the distractor joins).
"""

from __future__ import annotations

import pytest

from services.dedup.decision import DedupDecision
from services.dedup.features import extract_features
from services.dedup.settings import load_config
from tests.unit.dedup.test_real_petitions import _PROBE, COUNTY, _facts, _run

#: Probe pairs of one matter that the text alone leaves apart.
PLANT = (900003, 900010)  # "丽景新苑业主反应搅伴站扰民问题", "A6区一搅拌站深夜施工" (0.106)
PLANT_ROAD = (900003, 900004)  # ..., "混凝土车把丽景路压烂了" (0.092)
PLANT_OPENING = (900003, 900013)  # ..., "搅拌站粉尘影响孩子健康" (estate in the opening)
FUMES = (900012, 900021)  # "油烟熏了两年，谁来管管枫林雅筑？", "油烟、污水、噪音..." (0.000)
PARKING = (900025, 900039)  # "网签时被要求绑定车位", "说好的自愿购买车位变成了强制消费"


def _letters(*letters: int | tuple[str, str]) -> list[DedupDecision]:
    cases = []
    for n, one in enumerate(letters):
        title, content = _PROBE[one] if isinstance(one, int) else one
        cases.append(_facts(n, COUNTY, title, content, ref=f"pr_{n}"))
    return _run(cases)


def _subject(title: str, content: str) -> str:
    return extract_features(_facts(0, COUNTY, title, content), load_config()).subject


def _assert_pair_and_apart(pair: tuple[int, int], distractor: tuple[str, str]) -> None:
    # The pair links in either order, the distractor joins neither, wherever it comes.
    for first, second in (pair, pair[::-1]):
        for letters in ((first, distractor, second), (distractor, first, second),
                        (first, second, distractor)):  # fmt: skip
            decisions = _letters(*letters)
            at = letters.index(distractor)
            ids = [d.matter_id for d in decisions]
            pair_ids = {ids[i] for i in range(3) if i != at}
            assert len(pair_ids) == 1, letters
            assert ids[at] not in pair_ids, (letters, distractor[0])


@pytest.mark.parametrize("pair", [PLANT, PLANT_ROAD, PLANT_OPENING])
def test_residents_letters_on_the_plant_beside_their_estate_link_however_worded(
    pair: tuple[int, int],
) -> None:
    # The same estate's property fees, whose letter names the plant in passing.
    fees = ("丽景新苑物业费上涨不合理",
            "尊敬的领导：A6区丽景新苑物业公司近日把物业费从每平米1.2元涨到1.8元，小区旁边的搅拌站"
            "天天吵也不管，请物价部门核查。")  # fmt: skip
    _assert_pair_and_apart(pair, fees)


def test_a_building_site_across_the_road_is_not_the_estates_plant() -> None:
    site = ("丽景新苑对面工地夜间施工扰民",
            "尊敬的领导：A6区丽景新苑小区对面的商业综合体工地天天晚上浇筑混凝土，泵车响到凌晨，"
            "比旁边的搅拌站还吵。请城管部门夜间来查一查。")  # fmt: skip
    assert _subject(*site) == ""
    _assert_pair_and_apart(PLANT, site)


def test_a_plant_beside_another_estate_is_another_matter() -> None:
    other = ("金桂花园旁搅拌站夜间噪音扰民",
             "领导您好，我是A6区金桂花园小区的居民，小区旁边的搅拌站每天晚上作业，噪音很大，"
             "粉尘也很严重，请环保部门查处。")  # fmt: skip
    _assert_pair_and_apart(PLANT, other)


def test_a_plant_by_the_writers_workplace_or_village_is_not_the_one_by_their_estate() -> None:
    for elsewhere in (
        ("搅拌站噪音扰民谁来管", "我家住在丽景新苑，我单位附近有一搅拌站，上班时吵得没法工作。"),
        ("搅拌站灰尘太大", "我是丽景新苑业主，老家枫树坪村旁的搅拌站灰尘太大，父母天天咳嗽。"),
    ):
        assert _subject(*elsewhere) == "", elsewhere[0]
        _assert_pair_and_apart(PLANT, elsewhere)


def test_two_plants_by_one_estate_named_or_sided_apart_stay_two() -> None:
    west = ("丽景新苑西侧搅拌站夜间噪音扰民",
            "我是丽景新苑的业主，小区西侧的搅拌站每天晚上作业，噪音很大，无法入睡。")  # fmt: skip
    east = ("丽景新苑搅拌站粉尘太大",
            "您好，丽景新苑东边的搅拌站砂石露天堆放，刮风时粉尘漫天，阳台上全是灰。")  # fmt: skip
    named = ("丽景新苑旁东富搅拌站夜间噪音扰民",
             "丽景新苑旁边的东富搅拌站每天晚上十点以后还在生产，小区居民无法入睡。")  # fmt: skip
    other_named = ("丽景新苑旁华达搅拌站粉尘污染",
                   "丽景新苑旁边的华达搅拌站粉尘漫天，阳台上全是灰。")  # fmt: skip
    for one, two in ((west, east), (named, other_named)):
        decisions = _letters(one, two)
        assert decisions[1].matter_id != decisions[0].matter_id, two[0]
    # One side and a side unsaid, or one name and a name unsaid: one plant.
    unsaid = ("丽景新苑搅拌站何时搬迁", "请问丽景新苑旁边的搅拌站什么时候搬迁？天天吵得睡不着。")
    for one in (west, east, named, other_named):
        decisions = _letters(one, unsaid)
        assert decisions[1].matter_id == decisions[0].matter_id, one[0]
    # A letter on the plant beside the estate merges no two plants apart.
    for one, two in ((west, east), (named, other_named)):
        decisions = _letters(one, two, unsaid)
        assert decisions[1].matter_id != decisions[0].matter_id
        assert decisions[2].merged == ()


def test_a_second_plant_or_a_plants_workers_wages_are_no_subject() -> None:
    assert _subject("丽景新苑东侧又建搅拌站粉尘污染", "丽景新苑东边最近又建了一个搅拌站。") == ""
    wages = ("丽景新苑旁搅拌站拖欠工资", "我在丽景新苑旁边的搅拌站开罐车，老板拖欠工资。")
    assert _subject(*wages) == ""


def test_restaurants_fumes_under_one_estate_link_and_not_its_ktv_or_another_estates() -> None:
    ktv = ("枫林雅筑楼下KTV噪音扰民",
           "领导您好，A4区枫林雅筑小区临街商铺新开了一家KTV，每天晚上唱到凌晨，楼上住户无法"
           "入睡。")  # fmt: skip
    other = ("盛世华庭楼下烧烤店油烟扰民",
             "您好，我住A1区盛世华庭小区，楼下开了两家烧烤店，每天晚上油烟弥漫，家里不能开窗。")
    for distractor in (ktv, other):
        _assert_pair_and_apart(FUMES, distractor)


def test_forced_parking_sales_link_and_not_parking_fees_nor_certificates() -> None:
    fees = ("滨江御景园物业强迫业主交停车费",
            "滨江御景园物业公司今年起要求业主必须交停车费才能进小区，每月三百元，没有经过业主"
            "大会，请物价部门查处。")  # fmt: skip
    certificate = ("滨江御景园交房两年仍未办理房产证",
                   "您好！滨江御景园一期2017年就交房了，房产证还没办下来。开发商当初还逼我们买车位，"
                   "现在证也不办。请督促开发商尽快办证。")  # fmt: skip
    other = ("江湾壹号开发商强制购买车位",
             "您好，A2区江湾壹号小区开发商交房要求业主必须购买车位，不买就不给钥匙。")  # fmt: skip
    shortage = ("滨江御景园车位太少停车难",
                "滨江御景园小区车位严重不足，晚上回来没地方停，开发商当初还捆绑销售车位，现在车位"
                "却不够用。请规划部门增建停车位。")  # fmt: skip
    assert _subject(*shortage) == ""
    for distractor in (fees, certificate, other, shortage):
        _assert_pair_and_apart(PARKING, distractor)


def test_an_estate_named_by_no_name_is_no_subject() -> None:
    assert _subject("楼下餐馆油烟扰民", "本小区楼下的餐馆油烟直排，家里不能开窗。") == ""
    assert _subject("楼下餐馆油烟扰民", "我们小区楼下的餐馆油烟直排，家里不能开窗。") == ""


def test_an_estates_name_found_with_words_before_it_is_its_subject() -> None:
    # "谁来管管枫林雅筑" (the title's words run into the name) is 枫林雅筑's fumes.
    assert _subject(*_PROBE[900012]).startswith("谁来管管枫林雅筑〔")
    decisions = _letters(900021, 900012)
    assert decisions[1].matter_id == decisions[0].matter_id

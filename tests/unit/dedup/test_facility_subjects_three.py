"""Facilities beside villages and estates, as their neighbours write of them (issue 13):
the place a title names after a sentence's words is the place ("强烈要求X华庭旁变电站移址",
"有机肥厂污染X村"); a factory or a farm beside a village is the village's subject
("X村〔养殖场〕"), so its villagers' letters join and another works of the village stays
apart; a works' own safety (its tanks, its dangerous chemicals) is the safety inspectors'
matter, not its neighbours' smell.

The letters are written after the kinds of letters a city's board receives about farms,
workshops and chemical plants beside villages, at invented villages and estates.
"""

from __future__ import annotations

import pytest

from services.common.places import places
from services.dedup import text
from services.dedup.features import extract_features
from services.dedup.settings import load_config
from tests.unit.dedup.test_real_petitions import COUNTY, _facts
from tests.unit.dedup.test_subjects import _letters

Letter = tuple[str, str]


def _subject(title: str, content: str) -> str:
    return extract_features(_facts(0, COUNTY, title, content), load_config()).subject


@pytest.mark.parametrize(
    ("title", "place", "not_place"),
    [
        ("强烈要求桂府华庭旁变电站移址", "桂府华庭", "强烈要求桂府"),
        ("请领导关注桂府华庭业主的诉求", "桂府华庭", "领导关注桂府"),
        ("污水处理厂臭味影响金沙新城居民", "金沙新城", "臭味影响金沙新城"),
        ("有机肥厂污染石桥村", "石桥村", "污染石桥"),
        ("镇上电镀厂污染清溪河", "清溪河", "污染清溪河"),
        ("丹桂苑门口芙蓉路边立了高压塔", "芙蓉路", "门口芙蓉路"),
        ("附近村民和翠竹苑居民都闻得到", "翠竹苑", "村民和翠竹苑"),
    ],
)
def test_a_sentences_words_before_a_name_are_not_the_name(
    title: str, place: str, not_place: str
) -> None:
    found = places(title)
    assert place in found
    assert not_place not in found


def test_a_mansion_before_an_estates_word_is_one_name() -> None:
    assert places("芙蓉府华庭旁变电站") == frozenset({"芙蓉府华庭"})
    # A government or a palace's well stay none.
    assert not places("区政府门口")


#: Villagers of one village on its pig farm, titles naming the village or not.
PIG_FARM = (
    ("石桥村养猪场臭气熏天",
     "A8县石桥村有个养猪场养了上千头猪，猪粪直接排到水沟里，整个村子臭不可闻，村民苦不堪言，"
     "请求政府责令整改。"),
    ("猪场臭味又来了",
     "石桥村三组旁边的养猪场说整改了，其实只撒了几车石灰，臭味一点没少，天一热更严重，请县里"
     "彻底解决。"),
)  # fmt: skip
#: Another works of the same village: an organic fertiliser plant's smell.
FERTILISER = (
    "石桥村有机肥厂臭味",
    "A8县石桥村新开了一家有机肥加工厂，把鸡粪和污泥运来发酵，臭气熏天，请环保部门查一下有没有"
    "手续。",
)


def test_a_farm_or_a_factory_beside_a_village_is_the_villages_subject() -> None:
    for title, content in PIG_FARM:
        assert _subject(title, content) == f"石桥村〔{text.SUBJECT_FARM}〕"
    assert _subject(*FERTILISER) == f"石桥村〔{text.SUBJECT_FACTORY}〕"
    # Two villages named: neither.
    assert not _subject("石桥村和新塘村之间的养猪场太臭", "养猪场臭味熏天，请环保部门处理。")


def test_a_villages_farm_letters_join_and_its_other_works_stays_apart() -> None:
    for first, second in (PIG_FARM, PIG_FARM[::-1]):
        for letters in (
            (first, FERTILISER, second),
            (FERTILISER, first, second),
            (first, second, FERTILISER),
        ):
            ids = [d.matter_id for d in _letters(*letters)]
            at = letters.index(FERTILISER)
            pair = {ids[i] for i in range(3) if i != at}
            assert len(pair) == 1, letters
            assert ids[at] not in pair, letters


#: A chemical plant's neighbours on its smell, and a letter on its own safety, with the
#: board's courtesies its writers add.
CHEMICAL_SMELL = (
    "青塘化工厂气味越来越重",
    "尊敬的市长：青塘村化工厂的问题越来越严重了，昨天晚上全村都是一股怪味，请领导重视。希望政府"
    "能为老百姓办实事。谢谢！！！拜托了！",
)
CHEMICAL_SAFETY = (
    "化工厂安全生产隐患",
    "青塘村化工厂安全管理混乱，工人没有培训，危化品乱放，请安监部门检查。拜托了！恳请领导在百忙"
    "之中给予关注，万分感谢！我们都是普通老百姓，只希望有一个安心的生活环境。",
)


def test_a_works_own_safety_is_not_its_neighbours_smell() -> None:
    assert text.facility_not_complaint(
        f"青塘化工厂〔{text.SUBJECT_FACTORY}〕", CHEMICAL_SAFETY[0], "", title_only=True
    )
    for letters in ((CHEMICAL_SMELL, CHEMICAL_SAFETY), (CHEMICAL_SAFETY, CHEMICAL_SMELL)):
        ids = [d.matter_id for d in _letters(*letters)]
        assert ids[0] != ids[1], letters

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
        assert _subject(title, content) == f"石桥村〔{text.SUBJECT_FARM}·猪〕"
    assert _subject(*FERTILISER) == f"石桥村〔{text.SUBJECT_FACTORY}·机肥〕"
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


def test_a_works_named_after_its_village_is_the_villages() -> None:
    # "青塘化工厂" of a letter naming "青塘村": the village's works, as its other letters
    # name it ("请求关停青塘村化工厂").
    assert _subject(*CHEMICAL_SMELL) == f"青塘村〔{text.SUBJECT_FACTORY}·化工〕"
    assert (
        _subject("请求关停青塘村化工厂", "青塘村化工厂天天排放刺鼻的废气，村民头晕恶心，请求关停。")
        == f"青塘村〔{text.SUBJECT_FACTORY}·化工〕"
    )


def test_an_estates_central_garden_and_a_peninsula() -> None:
    # An estate's central garden is no estate joined to it.
    assert (
        _subject(
            "小区中间立着一座高压铁塔",
            "A5区锦绣江南小区中心花园里有一座高压铁塔，上面的线从几栋楼中间穿过，请求迁移。",
        )
        == f"锦绣江南〔{text.SUBJECT_POWER_LINE}〕"
    )
    # An estate named as a peninsula, before its residents' words.
    assert "金湾半岛" in places("金湾半岛业主投诉变电站噪声")
    assert (
        _subject(
            "金湾半岛业主投诉变电站噪声",
            "金湾半岛11栋、12栋紧挨着变电站，主变压器的噪声夜里特别明显，请环保部门监测。",
        )
        == f"金湾半岛〔{text.SUBJECT_SUBSTATION}〕"
    )
    # An estate named as a new village is an estate, not a village.
    assert (
        _subject(
            "再次反映园林新村配电房噪音",
            "园林新村3栋楼下的配电房嗡嗡响，晚上睡不着，请有关部门处理。",
        )
        == f"园林新村〔{text.SUBJECT_SUBSTATION}〕"
    )


#: Residents of one estate on the elevated road beside it, and of another estate along
#: the same road on its own stretch.
VIADUCT = (
    ("东岭新村旁芙蓉高架噪声问题",
     "东岭新村居民反映：芙蓉高架通车后噪声太大，特别是夜里货车多，请交通部门尽快加装声屏障。"),
    ("高架桥车辆噪音扰民",
     "A4区东岭新村紧挨着芙蓉高架，高架上的大货车晚上轰隆隆地开，我家正对高架，晚上根本睡不了"
     "觉，请求安装隔音屏。"),
)  # fmt: skip
VIADUCT_OTHER = (
    "芙蓉高架旁锦华家园噪音",
    "A4区锦华家园紧挨芙蓉高架北段，离东岭新村有好几公里，车辆噪音同样很大，请在锦华家园段"
    "加装声屏障。",
)
VIADUCT_PARKING = (
    "芙蓉高架桥下乱停车",
    "A4区芙蓉高架桥下东岭新村路段，桥下空地被人占用停车收费，车辆乱停乱放堵住了人行道。",
)


def test_an_elevated_road_beside_an_estate_is_its_subject() -> None:
    for title, content in VIADUCT:
        assert _subject(title, content) == f"东岭新村〔{text.SUBJECT_ROAD}〕"
    assert _subject(*VIADUCT_OTHER) == f"锦华家园〔{text.SUBJECT_ROAD}〕"
    # The space under it is its own other matter.
    assert not _subject(*VIADUCT_PARKING)
    # An elevated road's noise is the road's, no railway's.
    assert (
        _subject("丹桂苑旁高架桥噪音太大", "丹桂苑紧挨着高架桥，汽车噪音太大，晚上睡不着。")
        == f"丹桂苑〔{text.SUBJECT_ROAD}〕"
    )


@pytest.mark.parametrize("other", [VIADUCT_OTHER, VIADUCT_PARKING])
def test_one_estates_stretch_joins_and_another_stays_apart(other: Letter) -> None:
    for first, second in (VIADUCT, VIADUCT[::-1]):
        for letters in ((first, other, second), (other, first, second), (first, second, other)):
            ids = [d.matter_id for d in _letters(*letters)]
            at = letters.index(other)
            pair = {ids[i] for i in range(3) if i != at}
            assert len(pair) == 1, letters
            assert ids[at] not in pair, letters


@pytest.mark.parametrize(
    ("title", "found"),
    [
        ("化工厂排放刺鼻气体", set()),
        ("请管管这家五金厂", set()),
        ("反对在马鞍山建垃圾焚烧发电厂", set()),
        ("高架桥车辆噪音扰民", set()),
        ("城际铁路噪音太大", set()),
        # A works or a line named by a name of its own stays a place.
        ("兴隆橡胶厂废气扰民", {"兴隆橡胶厂"}),
        ("青塘化工厂气味越来越重", {"青塘化工厂"}),
        ("长株潭城际铁路噪音", {"长株潭城际铁路"}),
        # And no name runs back into an unnamed one.
        ("塑料厂新华路噪音", {"新华路"}),
    ],
)
def test_a_works_named_by_its_kind_alone_is_no_place(title: str, found: set[str]) -> None:
    assert places(title) == frozenset(found)


def test_a_distance_said_roughly_is_the_neighbours_wrong() -> None:
    # "只有二十来米": the substation's being close, as "只有20米" is.
    assert (
        _subject(
            "桂府华庭7栋后面在建变电站",
            "A2区桂府华庭小区7栋后面的空地上最近在施工，一问才知道是建110千伏变电站，离7栋和"
            "8栋只有二十来米。购房时沙盘上这里是绿地，请问规划为什么变了？",
        )
        == f"桂府华庭〔{text.SUBJECT_SUBSTATION}〕"
    )

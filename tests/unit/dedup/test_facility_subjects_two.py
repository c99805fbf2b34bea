"""Power facilities, base stations, railways and polluting works beside an estate (or along
one road, by one named line or works) are objects their neighbours' letters share, as the
site and the refuse station are (issue 13): the subject names the object ("丹桂苑〔变电站〕",
"月湖路〔高压线〕", "丹桂苑〔铁路〕", "鑫达铝材厂〔工厂〕") and the neighbours' letters join
whatever their text score, while a substation and a base station of one estate, two
estates' towers, and a facility's own other matters (its land's compensation, a power cut,
a station's buses, a factory's wages) stay apart.

The letters are written after real ones of ``../shared/data`` ("反对将星沙公园改作变电站",
"星沙文化公园要建大型的变电站，居民强烈反对！", "B2区经世皇城小区业主反对建违法基站",
"投诉石长铁路火车夜晚鸣笛扰民", "升振铝材工厂（噪音、黑烟、臭味）扰民") and the hot problems
of another city's board ("A6区月亮岛路沿线架设110千伏高压电线杆", "绿地海外滩小区距长赣高铁
最近只有30米不到"), at invented estates, roads and works.
"""

from __future__ import annotations

import itertools

import pytest

from services.dedup import features, text
from services.dedup.features import extract_features
from services.dedup.settings import load_config
from tests.unit.dedup.test_facility_subjects import _assert_one_and_apart
from tests.unit.dedup.test_real_petitions import COUNTY, _facts
from tests.unit.dedup.test_subjects import _letters

Letter = tuple[str, str]

#: Residents of one estate on a substation planned behind it, in words that share little.
SUBSTATION = (
    ("强烈反对在丹桂苑7栋后面建大型变电站",
     "根据规划局最新公示，丹桂苑7栋后面要建一座220千伏的变电站，离我们住的楼只有十几米，"
     "一百多户业主坚决反对，请重新选址。"),
    ("丹桂苑旁边要建变电站，业主担心辐射",
     "我家住丹桂苑，听说小区旁边的空地要建变电站，家里有老人小孩，长期受电磁辐射影响健康"
     "怎么办？希望领导为居民考虑。"),
)  # fmt: skip
#: Residents of one estate on a base station on its roof.
BASE_STATION = (
    ("丹桂苑小区业主反对建违法基站",
     "丹桂苑小区3栋楼顶被人私自装了移动基站，距居民楼不足5米，没有任何公示，业主强烈要求"
     "拆除。"),
    ("请求拆除丹桂苑楼顶的信号塔",
     "我是丹桂苑的业主，楼顶上新装的信号发射塔辐射太大，孩子晚上睡觉头疼，恳请有关部门"
     "尽快拆除。"),
)  # fmt: skip
#: Residents of several estates along one road on a high-voltage line put up along it.
POWER_LINE = (
    ("月湖路沿线架设110千伏高压电线杆",
     "最近月湖路沿线正在架设110千伏高压线，电线杆就立在人行道上，离两边的小区只有二三十"
     "米，居民非常担心辐射，请求改线或入地。"),
    ("反映碧水苑门口高压线辐射问题",
     "碧水苑门口的月湖路上新立了好几根高压电塔，110千伏的高压线从小区门前经过，业主们都很"
     "担心，希望电力部门改为入地敷设。"),
)  # fmt: skip
#: Residents of one estate on the high-speed line beside it.
RAIL = (
    ("丹桂苑距高铁最近只有30米不到",
     "丹桂苑小区离高铁线最近的地方只有30米不到，每天从早到晚列车呼啸而过，噪音大得窗户都"
     "在震，请求加装声屏障。"),
    ("还丹桂苑居民一个安静的夜晚，高铁噪音太大",
     "我们是丹桂苑的居民，晚上十一点以后还有火车经过，轰隆隆的声音吵得根本睡不着，老人孩子"
     "苦不堪言。"),
)  # fmt: skip
#: Neighbours of one named factory.
FACTORY = (
    ("鑫达铝材厂（噪音、黑烟、臭味）扰民",
     "鑫达铝材厂24小时运转，机器轰鸣，时不时冒出浓浓的黑烟，几百米内都能闻到刺鼻的气味，"
     "严重影响周边居民生活。"),
    ("投诉鑫达铝材厂夜间偷排废气",
     "我住在鑫达铝材厂对面的小区，每天晚上工厂就开始排放废气，味道很冲，晚上都不敢开窗，"
     "请环保部门查处。"),
)  # fmt: skip


def _subject(title: str, content: str) -> str:
    return extract_features(_facts(0, COUNTY, title, content), load_config()).subject


def test_the_facilities_beside_an_estate_are_its_subjects() -> None:
    assert [_subject(*letter) for letter in SUBSTATION] == ["丹桂苑〔变电站〕"] * 2
    assert [_subject(*letter) for letter in BASE_STATION] == ["丹桂苑〔基站〕"] * 2
    assert [_subject(*letter) for letter in RAIL] == ["丹桂苑〔铁路〕"] * 2
    # A line along a road is the road's; a works named by its name is the works'.
    assert [_subject(*letter) for letter in POWER_LINE] == ["月湖路〔高压线〕"] * 2
    assert [_subject(*letter) for letter in FACTORY] == ["鑫达铝材厂〔工厂〕"] * 2
    # A park a substation is to be built in, named with its kind or without.
    assert _subject("反对将星湖公园改作变电站", "建变电站对周边环境有影响，市民反对。") == (
        "星湖公园〔变电站〕"
    )
    assert _subject(
        "星湖文化公园要建大型的变电站，居民强烈反对！",
        "听说星湖文化公园要建大型的变电站，建成后周围几万居民将受到辐射影响。",
    ) == ("星湖公园〔变电站〕")
    # A line by its name, of a letter naming no estate.
    assert _subject(
        "投诉湘桂铁路火车夜晚鸣笛扰民", "只要有火车经过，总会一声接一声地鸣长笛，深夜也不停。"
    ) == ("湘桂铁路〔铁路〕")


@pytest.mark.parametrize(
    ("pair", "other"),
    [
        # One estate's substation and its base station: two objects.
        (SUBSTATION, BASE_STATION[0]),
        (BASE_STATION, SUBSTATION[1]),
        # Of one estate's substation and base station, both said to radiate, one title
        # naming neither.
        (
            (
                (
                    "丹桂苑辐射太大",
                    "我家住丹桂苑，去年小区东边建了一座变电站，离我们楼只有十几米，晚上能听到嗡嗡"
                    "声，家里老人担心辐射，请求搬迁。",
                ),
                SUBSTATION[0],
            ),
            (
                "丹桂苑楼顶基站辐射太大",
                "丹桂苑5栋楼顶上个月被装了移动基站，没有任何公示，业主们担心辐射影响孩子健康，请求"
                "拆除。",
            ),
        ),
        # Another estate's substation.
        (
            SUBSTATION,
            (
                "强烈反对在金桂花园旁边建大型变电站",
                "金桂花园旁边要建一座大型变电站，离住户只有十几米，业主坚决反对。",
            ),
        ),
        # The substation's land and what is paid for it.
        (
            SUBSTATION,
            (
                "丹桂苑旁变电站征地补偿款至今未发",
                "丹桂苑旁边建变电站征用了我家两亩地，补偿款到现在一分钱都没给，请求落实。",
            ),
        ),
        # A power cut at the estate.
        (
            SUBSTATION,
            (
                "丹桂苑小区频繁停电",
                "丹桂苑小区这个月已经停电五次了，配电房说是线路老化，什么时候才能解决？",
            ),
        ),
        # The tower company's rent of a roof.
        (
            BASE_STATION,
            (
                "丹桂苑楼顶基站租金去向不明",
                "铁塔公司在丹桂苑楼顶装基站，每年给物业的租金去向不明，业主要求公开。",
            ),
        ),
        # The mobile signal wanted.
        (
            BASE_STATION,
            (
                "丹桂苑手机信号差，希望增建基站",
                "丹桂苑小区手机信号差，打电话经常断线，希望运营商在附近增建基站。",
            ),
        ),
        # Another road's line.
        (
            POWER_LINE,
            (
                "星湖路沿线架设高压线",
                "星湖路两边正在立高压电塔，离小区不到五十米，居民担心辐射，请求改线。",
            ),
        ),
        # A line's land compensation.
        (
            POWER_LINE,
            (
                "月湖路高压线铁塔占地补偿问题",
                "月湖路架设高压线，铁塔占了我家的责任田，补偿标准太低，请求重新核定。",
            ),
        ),
        # The station's buses and the line wanted.
        (
            RAIL,
            (
                "希望开通丹桂苑至高铁站的公交车",
                "丹桂苑居民去高铁站很不方便，希望开通一条直达公交车。",
            ),
        ),
        # Another estate's railway.
        (
            RAIL,
            (
                "金桂花园距高铁只有20米，噪音太大",
                "金桂花园小区离高铁线只有20米，列车经过时噪音很大，请求加装隔音屏。",
            ),
        ),
        # Two estates' towers on one road the writers name as their address.
        (
            (
                (
                    "芙蓉路丹桂苑旁新立高压电塔",
                    "我家住在芙蓉路丹桂苑，小区旁边新立了一座高压电塔，离楼只有二十米，担心辐射。",
                ),
                (
                    "反对在丹桂苑旁边立高压铁塔",
                    "丹桂苑小区旁边新立的高压铁塔离居民楼太近，业主们都很担心辐射，请求迁移。",
                ),
            ),
            (
                "芙蓉路金桂花园门口立了高压铁塔",
                "我家住芙蓉路金桂花园，小区门口立了一座高压铁塔，离住宅太近了，请求迁移。",
            ),
        ),
        # One estate's factory and its pig farm.
        (
            (
                (
                    "丹桂苑附近化工厂排放刺鼻气体",
                    "丹桂苑小区附近的化工厂每天晚上排放刺鼻的气体，业主们晚上不敢开窗。",
                ),
                (
                    "丹桂苑旁边的工厂噪音扰民",
                    "丹桂苑旁边的工厂24小时开工，机器轰鸣，废气难闻，吵得睡不着。",
                ),
            ),
            ("丹桂苑旁养猪场臭气熏天", "丹桂苑小区旁边有个养猪场，夏天臭气熏天，苍蝇乱飞。"),
        ),
        # The factory's wages; another factory.
        (
            FACTORY,
            (
                "鑫达铝材厂拖欠工人工资",
                "我们在鑫达铝材厂上班，老板已经拖欠三个月工资了，请劳动部门帮忙追讨。",
            ),
        ),
        (
            FACTORY,
            (
                "宏发塑料厂黑烟扰民",
                "宏发塑料厂天天冒黑烟，气味刺鼻，周边居民苦不堪言，请环保部门查处。",
            ),
        ),
    ],
)
def test_neighbours_letters_on_one_facility_link_and_its_other_matters_stay_apart(
    pair: tuple[Letter, ...], other: Letter
) -> None:
    _assert_one_and_apart(pair, other)


@pytest.mark.parametrize(
    "letter",
    [
        # A facility's own other matters have no subject of it.
        ("丹桂苑旁变电站征地补偿款至今未发", "丹桂苑旁边建变电站征用了我家的地，补偿款没给。"),
        ("丹桂苑手机信号差，希望增建基站", "丹桂苑小区手机信号差，希望在附近增建基站。"),
        ("希望开通丹桂苑至高铁站的公交车", "丹桂苑居民去高铁站很不方便，希望开通公交车。"),
        ("鑫达铝材厂拖欠工人工资", "我们在鑫达铝材厂上班，老板已经拖欠三个月工资了。"),
        # A letter on something else naming a facility in passing.
        (
            "建议丹桂苑门前设立人行横道",
            "丹桂苑门前车流量大，老人过马路很危险，比铁路道口还危险，建议设人行横道。",
        ),
        # A substation's supply awaited; a railway bridge's underpass flooded; a works'
        # building to let.
        ("丹桂苑变电站什么时候通电", "丹桂苑小区的配电房建好半年了，什么时候能通电？"),
        ("丹桂苑旁边铁路桥下积水", "丹桂苑旁边的铁路桥下一下雨就积水，行人无法通过。"),
        ("丹桂苑对面厂房出租", "丹桂苑对面的厂房空置多年，请问可以出租吗？"),
        # A station wanted; a line's level crossing. (An elevated road's noise is the
        # road's, no railway's: test_facility_subjects_three.)
        ("丹桂苑居民希望尽快修建高铁站", "丹桂苑居民出行不便，希望尽快在附近修建高铁站。"),
        ("湘桂铁路道口拥堵", "湘桂铁路道口每天早晚高峰拥堵，火车一来要等十几分钟。"),
        # A substation and a base station in one letter: which is it about?
        (
            "丹桂苑旁边的变电站和基站辐射",
            "丹桂苑旁边有变电站，楼顶还有基站，业主担心辐射。",
        ),
    ],
)
def test_a_facilitys_other_matters_have_no_subject(letter: Letter) -> None:
    # No facility's (a factory's wages may be its employer's: "鑫达铝材〔欠薪〕").
    subject = _subject(*letter)
    assert not any(f"〔{obj}" in subject for obj in text.FACILITIES), subject


#: Residents of estates along one road on the line put up along it: some name the road,
#: some their estate and the road in the text, some the line by its voltage, its poles or
#: its towers.
ROAD_LINE = (
    ("A6区月湖路沿线架设110千伏高压电线杆",
     "月湖路沿线正在架设110千伏高压电线杆，离居民楼太近，居民强烈反对。"),
    ("反对在月湖路架设高压线",
     "月湖路两侧小区密集，现在要架设110千伏高压线，辐射影响健康，请求入地。"),
    ("金茂府小区门口架设高压电线杆，业主担忧",
     "我们是金茂府小区的业主，小区门口的月湖路上正在架设高压电线杆，离住宅不到三十米。"),
    ("关于月湖路110KV高压线改线入地的请求",
     "月湖路沿线有多个小区，110KV高压线从小区旁边经过，请求改线入地。"),
    ("请求月湖路高压电塔迁移", "月湖路新建的高压电塔离我们小区太近，希望迁移。"),
)  # fmt: skip
#: Residents of one estate (a name not ending as estates' do) on the high-speed line by it.
ESTATE_RAIL = (
    ("碧海外滩小区距湘江高铁最近只有30米不到",
     "碧海外滩小区距离湘江高铁最近的楼栋只有不到30米，高铁通车后噪音巨大，请求安装声屏障。"),
    ("湘江高铁噪音严重影响碧海外滩居民休息",
     "我是碧海外滩的业主，湘江高铁每天从早到晚经过，噪音太大，晚上根本睡不着。"),
    ("请求在碧海外滩段加装高铁声屏障",
     "碧海外滩小区紧邻湘江高铁，列车经过时声音震耳，希望尽快加装隔音屏。"),
    ("高铁噪音扰民", "我们小区是碧海外滩，离高铁太近了，每天都很吵。"),
)  # fmt: skip


@pytest.mark.parametrize(
    ("letters", "subject", "other"),
    [
        (
            ROAD_LINE,
            "月湖路〔高压线〕",
            # Another road's line, by an estate.
            ("星湖苑旁高压铁塔", "我家住在星湖苑，小区旁边新立了一座高压铁塔，担心辐射。"),
        ),
        (
            ESTATE_RAIL,
            "碧海外滩〔铁路〕",
            # Another estate on the same line.
            (
                "金桂花园离湘江高铁太近，噪音扰民",
                "金桂花园小区离湘江高铁只有50米，列车经过时噪音很大，请求加装声屏障。",
            ),
        ),
    ],
)
def test_many_residents_letters_on_one_line_join(
    letters: tuple[Letter, ...], subject: str, other: Letter
) -> None:
    assert [_subject(*letter) for letter in letters] == [subject] * len(letters)
    for ordered in ((*letters, other), (other, *letters), (*letters[:2], other, *letters[2:])):
        ids = [d.matter_id for d in _letters(*ordered)]
        at = ordered.index(other)
        assert len({i for n, i in enumerate(ids) if n != at}) == 1, ordered
        assert ids[at] not in ids[:at] + ids[at + 1 :], ordered


@pytest.mark.parametrize(
    "title",
    ["投诉石长铁路火车夜晚鸣笛扰民", "希望L市火车在晚上禁止鸣笛", "请求在碧海外滩段加装高铁声屏障"],
)
def test_a_trains_whistle_and_a_barrier_against_it_are_noise(title: str) -> None:
    assert "noise" in text.claims(title)


def test_an_estates_names_joined_in_one_order_whatever_the_order_of_its_places() -> None:
    # Two names the letter writes joined, and a fragment of one ("包括颐景园"): read alike
    # whatever order a set of places is iterated in (a set's order changes with the run).
    text_ = "江山路一带（包括颐景园协力小区、经世龙城等）"
    names = ["颐景园", "包括颐景园", "协力小区"]
    read = {
        tuple(sorted(features._joined(list(order), text_)))
        for order in itertools.permutations(names)
    }
    assert len(read) == 1


def test_two_facilities_subjects_are_two_objects() -> None:
    assert text.two_facilities("丹桂苑〔变电站〕", "丹桂苑〔基站〕")
    assert text.two_facilities("丹桂苑〔工厂〕", "丹桂苑〔养殖场〕")
    assert not text.two_facilities("丹桂苑〔变电站〕", "星湖公园〔变电站〕")
    assert not text.two_facilities("丹桂苑〔变电站〕", "丹桂苑〔油烟·2栋〕")
    assert not text.two_facilities("丹桂苑〔变电站〕", "")

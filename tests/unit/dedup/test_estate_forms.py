"""One estate named in the forms residents give it (issue 13).

Residents name their estate with its developer's brand or without ("金科集美郡",
"集美郡"), with its first words or without ("万润滨江天著", "滨江天著"), and some type it by
its sound ("嘉和苑", "家和苑"). A case is kept under the forms without the brand and the
leading words too, so that letters naming it either way meet; whether they are about one
place is still for the agreement checks to say, which accept exactly these forms. An
estate typed by its sound is one place only as the facility at it both letters are about
(a base station, a refuse station: ``sounds.FACILITY_OBJECTS``): two estates' names of one
sound are one estate only of three characters or more ("天心家园", "天鑫家园"; not
"新兴小区", "新星小区": ``place_agreement._estate_typed_by_sound``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup.config import DedupConfig
from services.dedup.index_keys import looked_up_places, looked_up_sounds
from services.dedup.names import bare_names, bare_place_agrees, held_names, trailing_runs
from services.dedup.place_agreement import places_agree, same_subject
from services.dedup.sounds import sound_key
from tests.unit.dedup.letters import NO_BANDS, indexed, strangers_matters

START = datetime(2021, 5, 10, 9, tzinfo=UTC)
DISTRICT = "430112"
#: The region of ``a_record``.
RECORD_REGION = "610302"


def test_an_estate_is_looked_up_without_its_developers_brand_too() -> None:
    assert looked_up_places(["金科集美郡"]) == ["金科集美郡", "集美郡"]
    assert looked_up_places(["集美郡", "金科集美郡"]) == ["集美郡", "金科集美郡"]
    # A name the brand would leave too short of is the name itself; other places alone.
    assert looked_up_places(["恒大华府", "井莲路"]) == ["恒大华府", "井莲路"]
    config = DedupConfig()
    index, _ = indexed(("金科集美郡",), config=config)
    assert index.candidates(RECORD_REGION, None, (), ("集美郡",), NO_BANDS, config) == [0]
    assert index.candidates(RECORD_REGION, None, (), ("金科集美郡",), NO_BANDS, config) == [0]
    assert index.candidates(RECORD_REGION, None, (), ("集美苑",), NO_BANDS, config) == []


def test_an_estate_named_without_an_estate_word_has_its_name_without_the_brand() -> None:
    assert bare_names("金科集美郡") == ("集美郡",)
    assert bare_names("集美郡") == ()
    assert bare_names("恒大华府") == ()


def test_a_titles_bare_place_is_held_by_its_trailing_runs_too() -> None:
    assert trailing_runs("万润滨江天着") == ("滨江天着", "江天着")
    assert trailing_runs("新城国际花都") == ("国际花都", "际花都")
    # Not one character left off ("佳园星城", "园星城").
    assert trailing_runs("佳园星城") == ()
    held = held_names((), "万润滨江天着3栋电梯三天两头坏")
    assert held[0] == "万润滨江天着"
    assert "滨江天着" in held
    # Only a title naming a kind of problem is held by any.
    assert held_names((), "万润滨江天着业主") == []


def test_the_shorter_form_agrees_and_another_estate_ending_alike_does_not() -> None:
    longer = "万润滨江天着电梯三天两头坏"
    assert bare_place_agrees("滨江天着", "滨江天着电梯关人", "", (), longer, ())
    assert not bare_place_agrees("湘江天着", "湘江天着电梯关人", "", (), longer, ())


def test_strangers_letters_naming_an_estate_with_and_without_its_brand_meet() -> None:
    matters = strangers_matters(
        (
            "金科集美郡燃气开通问题",
            "冬天马上要到了，我们这里还是用不上，烧饭只能用电磁炉，孩子洗澡都成问题，"
            "请领导帮忙催一下。家里老人身体不好，天冷了更需要热水，邻居们都很着急，物业"
            "也说不清楚什么时候能解决。",
        ),
        (
            "集美郡交房一年了还没通天然气",
            "去年五月交房，到现在都一年了天然气还没有通，燃气管道是装好了，就是不开通。"
            "开发商说是燃气公司的问题，燃气公司说开发商手续不齐。",
        ),
        start=START,
        region=DISTRICT,
    )
    assert matters[0] == matters[1]


def test_strangers_letters_naming_an_estate_with_and_without_its_first_words_meet() -> None:
    matters = strangers_matters(
        (
            "万润滨江天著电梯三天两头坏",
            "一共32层，两部电梯这个月已经坏了五次，上个礼拜有个老人被关在里面四十分钟。"
            "物业每次都说在修，修好两天又坏。我们住在高层，老人孩子上下楼全靠它，爬楼梯"
            "根本爬不动，物业的人也总说找不到配件，一拖就是好几天。",
        ),
        (
            "滨江天著电梯关人",
            "昨天又关人了，我女儿放学回来被困在15楼和16楼之间，吓得直哭。孩子现在都不敢"
            "一个人坐，每天要大人接送，上班的时间都耽误了，希望相关部门重视，派人来检查"
            "一下到底是哪里出了毛病。",
        ),
        start=START,
        region=DISTRICT,
    )
    assert matters[0] == matters[1]


def test_a_facilitys_key_is_looked_up_by_its_estates_sound() -> None:
    assert sound_key("〔基站〕嘉和苑") == sound_key("〔基站〕家和苑") == "〔基站〕jia he yuan"
    assert sound_key("〔垃圾站〕春华") == sound_key("〔垃圾站〕春花")
    # Not a restaurant's fumes, forced parking sales, a subject itself, an estate alone.
    for place in ("〔油烟〕嘉和苑", "〔强卖车位〕嘉和苑", "嘉和苑〔基站〕", "嘉和苑", "〔基站〕苑"):
        assert sound_key(place) is None, place
    places = ("嘉和苑", "〔基站〕嘉和苑", "嘉和苑〔基站〕")
    assert looked_up_sounds(places) == ["〔基站〕jia he yuan"]


def test_a_facility_at_an_estate_typed_by_its_sound_is_one_object() -> None:
    assert same_subject("家和苑〔基站〕", ("嘉和苑〔基站〕",)) == "嘉和苑〔基站〕"
    assert same_subject("春花小区〔垃圾站〕", ("春华小区〔垃圾站〕",)) == "春华小区〔垃圾站〕"
    assert places_agree(
        frozenset({"家和苑", "〔基站〕家和苑", "家和苑〔基站〕"}),
        ("嘉和苑", "〔基站〕嘉和苑", "嘉和苑〔基站〕"),
        lenient=False,
    )
    # Not two characters apart, nor a tone apart ("家" jiā, "佳" jiā, "加" jiā; "驾" jià),
    # nor another facility, nor restaurants' fumes (each restaurant its own).
    assert same_subject("家乐苑〔基站〕", ("嘉和苑〔基站〕",)) == ""
    assert same_subject("驾和苑〔基站〕", ("嘉和苑〔基站〕",)) == ""
    assert same_subject("家和苑〔垃圾站〕", ("嘉和苑〔基站〕",)) == ""
    assert same_subject("家和苑〔油烟〕", ("嘉和苑〔油烟〕",)) == ""
    # Their lookup keys likewise, of names of three characters or more.
    assert places_agree(frozenset({"〔基站〕家和苑"}), ("〔基站〕嘉和苑",), lenient=False)
    assert places_agree(frozenset({"〔基站〕金城"}), ("〔基站〕金成",), lenient=False) is False
    # Between strangers, estates' names of three characters or more one character apart,
    # that character of one sound and tone, are one estate typed two ways: every such
    # pair in the 2,781 real letters was ("万佳名城"/"万家名城", "学府铭邸"/"学府名邸",
    # "家和院"/"家和苑"; issue 13). Of two characters they were
    # two estates ("新兴小区", "新星小区").
    assert places_agree(frozenset({"家和苑"}), ("嘉和苑",), lenient=False) is True
    assert places_agree(frozenset({"天心家园"}), ("天鑫家园",), lenient=False) is True
    assert places_agree(frozenset({"新兴小区"}), ("新星小区",), lenient=False) is False
    # Not a tone apart, nor two characters apart.
    assert places_agree(frozenset({"家和园"}), ("嘉和苑",), lenient=False) is False
    assert places_agree(frozenset({"天心家园"}), ("天鑫佳苑",), lenient=False) is False


def test_the_index_finds_a_facility_at_an_estate_typed_by_its_sound() -> None:
    config = DedupConfig()
    index, _ = indexed(("嘉和苑", "〔基站〕嘉和苑", "嘉和苑〔基站〕"), config=config)
    found = index.candidates(RECORD_REGION, None, (), ("〔基站〕家和苑",), NO_BANDS, config)
    assert found == [0]
    assert index.candidates(RECORD_REGION, None, (), ("〔工地〕家和苑",), NO_BANDS, config) == []


BASE_STATION_FIRST = (
    "请拆除嘉和苑楼顶的信号塔",
    "嘉和苑5栋楼顶上个月装了移动基站，物业没有征求业主意见就同意了，楼里有孕妇和小孩，"
    "大家担心辐射，请求相关部门拆除。",
)
BASE_STATION_SECOND = (
    "家和苑5栋基站辐射问题",
    "我们家和苑5栋楼顶被装了通信基站，业主都不同意，物业私自签的合同，担心辐射影响"
    "健康，希望尽快拆除。",
)


def test_strangers_letters_on_a_base_station_at_an_estate_typed_by_sound_meet() -> None:
    matters = strangers_matters(
        BASE_STATION_FIRST, BASE_STATION_SECOND, start=START, region=DISTRICT
    )
    assert matters[0] == matters[1]


def test_strangers_letters_on_base_stations_at_two_estates_stay_two() -> None:
    other = (
        BASE_STATION_SECOND[0].replace("家和苑", "佳乐苑"),
        BASE_STATION_SECOND[1].replace("家和苑", "佳乐苑"),
    )
    matters = strangers_matters(BASE_STATION_FIRST, other, start=START, region=DISTRICT)
    assert matters[0] != matters[1]

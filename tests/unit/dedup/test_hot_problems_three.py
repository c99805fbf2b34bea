"""A board's hot problems, third round (issue 13): an estate whose name holds a river's
("中建滨河苑", read "中建滨河"), a mansion typed by its sound ("悦江俯"), an estate's last
name typed by its sound after its series ("伊景园滨和苑" for "伊景园滨河苑"), a plant
"named" by the sentence before it ("强烈要求搬迁搅拌站"), a concrete plant called
"混凝土站", a subdistrict named before the estate in the plant's sentence, a developer's
brand apart from its estate by a mark ("中建·滨河苑"), and a letter saying its estate is
not the brand's ("不是中建那个").

Each test fails before the change.
"""

from __future__ import annotations

from services.common.places import places
from services.dedup.organisations import organisation_subject
from services.dedup.place_agreement import subjects_agree
from tests.unit.dedup.test_hot_problems import _letters, _subject

_NOISE = "每天晚上十点以后罐车进进出出，机器响到凌晨，粉尘也大，请相关部门尽快处理。"


def test_an_estate_whose_name_holds_a_river_is_read_whole() -> None:
    assert places("A3区中建滨河苑旁边搅拌站灰尘大") == {"中建滨河苑"}
    assert places("家住中建滨河苑，北面的搅拌站天天半夜开工") == {"中建滨河苑"}
    # A river alone is still a river.
    assert places("浏阳河边的垃圾") == {"浏阳河"}


def test_a_mansion_typed_by_its_sound_is_the_mansion() -> None:
    assert places("悦江俯交房捆绑车位") == {"悦江府"}
    assert places("芙蓉华俯小区楼下烧烤油烟") == {"芙蓉华府"}
    # Looking down is no estate.
    assert places("站在楼顶俯视整个工地") == frozenset()


def test_a_sentence_before_the_plant_is_not_its_name() -> None:
    assert _subject("伊景园滨河苑业主强烈要求搬迁搅拌站", "我们伊景园滨河苑的业主，" + _NOISE) == (
        "伊景园滨河苑〔搅拌站〕"
    )
    assert _subject(
        "搅拌站的罐车把小区门口的路压烂了",
        "伊景园·滨河苑大门口这条路，每天几百趟搅拌站的罐车经过，路面压烂了，泥浆满地。",
    ) == ("伊景园滨河苑〔搅拌站〕")


def test_a_concrete_plant_so_called_is_the_plant() -> None:
    assert _subject(
        "A6区滨河苑项目旁混凝土站粉尘污染",
        "滨河苑项目交房一年多了，项目西南角的混凝土站一直没有搬，一刮风整个小区都是灰。",
    ).endswith("滨河苑〔搅拌站〕")


def test_a_subdistrict_before_the_estate_in_the_plants_sentence_is_its_address() -> None:
    assert _subject(
        "还我们一个安静的夜晚",
        "我们是洋湖街道伊景园·滨河苑的住户，小区旁边那个搅拌厂半夜还在生产，吵得睡不着。",
    ) == ("伊景园滨河苑〔搅拌站〕")
    # A village in the plant's sentence still puts it elsewhere.
    assert (
        _subject(
            "还我们一个安静的夜晚",
            "我们是伊景园·滨河苑的住户，老家枫树坪村旁边那个搅拌厂半夜还在生产，吵得睡不着。",
        )
        == ""
    )


def test_an_estates_last_name_typed_by_its_sound_after_its_series_is_the_estate() -> None:
    assert subjects_agree("伊景园滨和苑〔搅拌站〕", "滨河苑〔搅拌站〕")
    # Not another estate's name, nor two characters apart.
    assert not subjects_agree("伊景园滨和苑〔搅拌站〕", "金色滨河苑〔搅拌站〕")
    assert not subjects_agree("伊景园宾和园〔搅拌站〕", "滨河苑〔搅拌站〕")
    typo = ("伊景园滨和苑旁边搅拌站晚上施工", "伊景园滨和苑这边的搅拌站晚上一直作业，" + _NOISE)
    bare = ("再次反映滨河苑旁搅拌站扰民", "上个月我们反映过滨河苑旁边搅拌站的问题，" + _NOISE)
    ids = [d.matter_id for d in _letters(typo, bare)]
    assert ids[0] == ids[1], ids


def test_a_brand_apart_from_its_estate_by_a_mark_is_kept_and_a_brand_denied_is_another() -> None:
    assert _subject("中建·滨河苑北边搅拌站扬尘", "我们是中建·滨河苑小区的住户，" + _NOISE) == (
        "中建滨河苑〔搅拌站北〕"
    )
    zhongjian = ("A3区中建滨河苑旁搅拌站噪音扰民", "A3区中建滨河苑北侧的搅拌站" + _NOISE)
    old = (
        "A3区坪塘街道滨河苑小区旁商砼站扰民",
        "A3区坪塘街道滨河苑小区（老小区，不是中建那个）旁边的商砼站夜间生产，吵得无法入睡。",
    )
    ids = [d.matter_id for d in _letters(zhongjian, old)]
    assert ids[0] != ids[1], ids
    assert not subjects_agree("坪塘街道≠中建｜滨河苑〔搅拌站〕", "中建滨河苑〔搅拌站〕")
    assert subjects_agree("坪塘街道≠中建｜滨河苑〔搅拌站〕", "坪塘街道｜滨河苑〔搅拌站〕")


def test_a_restaurants_fumes_in_other_words_are_its_fumes() -> None:
    assert _subject(
        "翠湖名苑小区一楼饭店排烟问题",
        "我们是翠湖名苑小区的居民，一楼那家饭店的排烟口就在我们楼道边上，炒菜的油烟味很大。",
    ) == ("翠湖名苑〔油烟〕")
    assert _subject(
        "楼下烧烤天天烟熏火燎",
        "我们是芙蓉华府的住户，楼下那家烧烤店天天烟熏火燎，衣服晾在阳台上全是烧烤味。",
    ) == ("芙蓉华府〔油烟〕")
    assert _subject(
        "楼下龙虾馆太呛人了", "我住湘江世纪城金华苑，楼下龙虾店每天晚上呛得人咳嗽。"
    ).endswith("金华苑〔油烟〕")
    # Not a factory's, a canteen's nor a smoker's.
    assert _subject("翠湖名苑旁学校食堂排烟", "翠湖名苑旁边学校食堂的排烟口对着我们。") == ""
    assert _subject("翠湖名苑楼道里有人抽烟呛人", "翠湖名苑3栋楼道里天天有人抽烟，呛人。") == ""


def test_two_restaurants_under_two_buildings_of_one_estate_are_two_matters() -> None:
    bbq = (
        "芙蓉华府楼下烧烤店油烟扰民",
        "A1区芙蓉华府小区2栋楼下的烧烤店每天傍晚开始烧炭烤串，油烟顺着外墙往上飘，请处理。",
    )
    bbq_again = ("芙蓉华府2栋烧烤店油烟直排", "芙蓉华府2栋底商的烧烤店没有油烟净化设备，烟直排。")
    smoke = ("楼下烧烤天天烟熏火燎", "我们是芙蓉华府的住户，楼下那家烧烤店天天烟熏火燎。")
    hotpot = (
        "芙蓉华府6栋楼下火锅店排烟口对着窗户",
        "芙蓉华府6栋一楼新开的火锅店，把排烟口装在我们卧室窗户下面，牛油火锅味每天熏到半夜。",
    )
    ids = [d.matter_id for d in _letters(bbq, smoke, hotpot, bbq_again)]
    assert ids[0] == ids[1] == ids[3], ids
    assert ids[2] != ids[0], ids
    assert _subject(*hotpot) == "芙蓉华府〔油烟·6栋〕"


def test_a_colleges_name_shortened_in_the_title_is_the_one_the_content_spells_out() -> None:
    short = (
        "关于信息职院实习问题的投诉",
        "A市信息工程职业技术学院以工学结合为名，强制学生到外省工厂实习，辅导员威胁不发毕业证。",
    )
    assert organisation_subject(*short) == "信息工程职院〔实习〕"
    full = (
        "信息工程职院逼学生顶岗实习",
        "学校通知下个月统一去苏州的电子厂实习，不去就拿不到毕业证。",
    )
    ids = [d.matter_id for d in _letters(full, short)]
    assert ids[0] == ids[1], ids
    # Another college's name is not spelt out so ("信息职业技术学院" is not 信息工程's).
    assert (
        organisation_subject(
            "关于信息职院实习问题的投诉",
            "A市信息职业技术学院强制学生到外省工厂实习，不去就不发毕业证。",
        )
        == "信息职院〔实习〕"
    )


def test_students_sent_by_their_college_or_punished_for_refusing_are_forced() -> None:
    assert (
        organisation_subject(
            "航空职院实习变成打工",
            "我女儿在航空职院读大二，被学校统一送去外省电子厂实习，每月到手不到两千。",
        )
        == "航空职院〔实习〕"
    )
    assert (
        organisation_subject(
            "A市信息工程职业技术学院顶岗实习与专业不对口",
            "学校组织我们去工厂流水线实习，实际就是做普工，不服从安排的要记处分。",
        )
        == "信息工程职院〔实习〕"
    )
    # Arranged, not forced: no subject.
    assert (
        organisation_subject(
            "航空职院实习安排咨询",
            "学校安排我们去电子厂实习，请问实习期间有没有工资？",
        )
        == ""
    )


def test_a_long_estate_name_cut_by_the_reading_is_the_name_written_shorter() -> None:
    assert places("湘江世纪城金华苑楼下小龙虾店油烟扰民") == {"江世纪城金华苑"}
    assert subjects_agree("江世纪城金华苑〔油烟〕", "世纪城金华苑〔油烟〕")
    # Two characters more are no fragment, nor one before a short name.
    assert not subjects_agree("湘江世纪城金华苑〔油烟〕", "世纪城金华苑〔油烟〕")
    assert not subjects_agree("金色滨河苑〔搅拌站〕", "色滨河苑〔搅拌站〕")

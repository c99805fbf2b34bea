"""A board's hot problems (issue 13, the eighteenth session): many residents' letters on one
estate's one problem, naming the estate and the problem as each of them does.

The estate named with its developer's series before it ("伊景园滨河苑", "伊景园·滨河苑",
"伊景园-滨河苑") or by its own name alone ("滨河苑"); a request's words before the name
("请求关停丽发新城…"); shops facing the street ("魅力之城临街门面"); an estate named as a
city of something ("魅力之城"). Each test pairs letters the matcher left apart before
(or, for the series, left without a subject, so the estate's other problems joined the
buyers' matter) with a distractor of the same estate that must stay apart: each fails
before the change.
"""

from __future__ import annotations

from services.common.places import places
from services.dedup.decision import DedupDecision
from services.dedup.features import extract_features, subject_key
from services.dedup.place_agreement import subjects_agree, subjects_all_agree
from services.dedup.settings import load_config
from tests.unit.dedup.test_real_petitions import COUNTY, _facts, _run


def _letters(*letters: tuple[str, str]) -> list[DedupDecision]:
    return _run(
        [
            _facts(n, COUNTY, title, content, ref=f"pr_{n}")
            for n, (title, content) in enumerate(letters)
        ]
    )


def _subject(title: str, content: str) -> str:
    return extract_features(_facts(0, COUNTY, title, content), load_config()).subject


_SOLD = "开发商要求购房必须同时购买车位，不买车位就不给办理交房手续，这是捆绑销售。"
SERIES = ("伊景园滨河苑捆绑销售车位", "我是伊景园滨河苑的购房者，" + _SOLD + "请求查处。")
DOTTED = (
    "伊景园·滨河苑强制买车位",
    "伊景园·滨河苑的开发商强制业主买车位，不买就不让收房，请领导主持公道。",
)
DASHED = (
    "伊景园-滨河苑不买车位不给交房",
    "我们在伊景园-滨河苑买了房，现在开发商说不买车位不给交房，业主们非常气愤。",
)
ALONE = (
    "滨河苑开发商捆绑销售车位",
    "滨河苑的开发商在交房时强制捆绑销售车位，业主如果不买车位就拿不到钥匙，希望住建局介入。",
)
UNTITLED = ("购房被强制捆绑车位", "您好，我在伊景园滨河苑购买了一套住房，" + _SOLD)
#: The same estate's other problems: its parking's shortage, its property fees.
SHORTAGE = (
    "伊景园滨河苑停车位太少停车难",
    "伊景园滨河苑小区车位太少，晚上回家没有地方停车，消防通道都被占了，请求增加停车位。",
)
FEES = (
    "伊景园滨河苑物业费太贵",
    "伊景园滨河苑物业费每平米3元，比周边小区贵很多，服务却很差，请求核查收费标准。",
)
#: Another estate of the name's second part, with words of its own before it.
OTHER_ESTATE = (
    "A4区金色滨河苑强制购买车位",
    "A4区金色滨河苑开发商强制业主购买车位，不买车位不给交房，请求查处。",
)


def test_an_estate_named_with_its_series_is_one_estate_however_joined() -> None:
    for letter in (SERIES, DOTTED, DASHED, UNTITLED):
        assert _subject(*letter) == "伊景园滨河苑〔强卖车位〕", letter[0]
    assert subjects_agree(_subject(*SERIES), _subject(*ALONE))
    assert not subjects_agree(_subject(*ALONE), "金色滨河苑〔强卖车位〕")
    # The series alone and the estate alone are both the whole's, not each other's,
    # unless the whole is among them.
    series, estate, whole = "伊景园〔强卖车位〕", "滨河苑〔强卖车位〕", "伊景园滨河苑〔强卖车位〕"
    assert not subjects_agree(series, estate)
    assert subjects_all_agree((whole, series, estate))
    assert not subjects_all_agree((series, estate))


def test_buyers_letters_naming_the_estate_with_or_without_its_series_are_one_matter() -> None:
    decisions = _letters(SERIES, SHORTAGE, DOTTED, FEES, DASHED, ALONE, UNTITLED, OTHER_ESTATE)
    ids = [d.matter_id for d in decisions]
    buyers = {ids[i] for i in (0, 2, 4, 5, 6)}
    assert len(buyers) == 1, ids
    # The estate's other problems and another estate's forced sales stay apart, from the
    # buyers' matter and from each other.
    assert len({*buyers, ids[1], ids[3], ids[7]}) == 4, ids


_PLANT = "小区旁边的混凝土搅拌站日夜作业，噪音很大，粉尘满天飞，老人孩子晚上睡不着觉。"


def test_a_request_before_the_estate_name_leaves_the_name_whole() -> None:
    assert places("请求关停丽发新城附近的混凝土搅拌站") == {"丽发新城"}
    assert places("请求整治魅力之城临街门面油烟") == {"魅力之城"}
    # "求" starting a name is the name's when no request follows it.
    assert places("求索花园门口积水") == {"求索花园"}
    # Shops facing the street are no street; a named street still is.
    assert places("沿街商铺油烟") == frozenset()
    assert "步行街" in places("解放西路步行街")
    # The plant's residents writing "请求关停" have the estate's subject.
    assert _subject(
        "请求关停丽发新城附近的混凝土搅拌站", "我们是丽发新城的业主，" + _PLANT
    ).startswith("丽发新城〔搅拌站")


def test_residents_letters_on_the_plant_link_whether_or_not_they_ask_it_closed() -> None:
    closing = ("请求关停丽发新城附近的混凝土搅拌站", "丽发新城附近的" + _PLANT[5:] + "请求关停。")
    sided = (
        "关于丽发新城小区旁水泥搅拌站的投诉",
        "丽发新城小区西边有个水泥搅拌站，灰尘很大，晚上还有噪音，居民苦不堪言。",
    )
    fees = (
        "丽发新城物业费上涨不合理",
        "丽发新城物业公司擅自上涨物业费，没有召开业主大会，服务也越来越差，请求物价部门核查。",
    )
    decisions = _letters(closing, fees, sided)
    ids = [d.matter_id for d in decisions]
    assert ids[0] == ids[2] != ids[1], ids


def test_fumes_of_an_estate_named_as_a_city_of_something_are_one_matter() -> None:
    first = ("魅力之城小区餐馆排放油烟", "魅力之城小区一楼的餐馆排放油烟，楼上住户苦不堪言。")
    untitled_unit = (
        "A5区魅力之城楼下餐饮油烟问题",
        "A5区魅力之城楼下的餐饮店油烟扰民，我们多次向物业反映没有结果，请求环保部门处理。",
    )
    street = (
        "请求整治魅力之城临街门面油烟",
        "魅力之城临街门面的饭店油烟没有净化，直接排放，居民生活受到严重影响。",
    )
    ktv = (
        "魅力之城楼下KTV噪音扰民",
        "魅力之城楼下新开的KTV每天唱到凌晨两点，噪音扰民，请求文化和环保部门处理。",
    )
    decisions = _letters(first, ktv, untitled_unit, street)
    ids = [d.matter_id for d in decisions]
    assert ids[0] == ids[2] == ids[3] != ids[1], ids


def test_an_estates_property_fees_and_its_parking_shortage_are_two_problems() -> None:
    decisions = _letters(SHORTAGE, FEES)
    assert decisions[0].matter_id != decisions[1].matter_id


def test_a_subdistrict_before_the_estate_is_its_address_not_another_place() -> None:
    subject = _subject(
        "暮云街道丽发新城旁混凝土搅拌站扰民", "我们是暮云街道丽发新城的居民，" + _PLANT
    )
    # The subdistrict kept as the estate's area: it agrees with the estate named alone,
    # not with one of that name in another area.
    assert subject == "暮云街道｜丽发新城〔搅拌站〕"
    assert subjects_agree(subject, "丽发新城〔搅拌站〕")
    assert not subjects_agree(subject, "黎托街道｜丽发新城〔搅拌站〕")
    # A subdistrict's plant, no estate named after it in the title: none (several plants).
    assert (
        _subject("A6区丽景街道一搅拌站严重扰民", "丽景街道有一家搅拌站，紧挨着丽景新苑，" + _PLANT)
        == ""
    )


def test_an_estate_typed_by_its_sound_or_with_its_neighbourhood_word_is_one_estate() -> None:
    assert subjects_agree("丽发新成小区〔搅拌站〕", "丽发新城〔搅拌站〕")
    assert subjects_agree("恒大华府小区〔油烟〕", "恒大华府〔油烟〕")
    # Two characters apart, or a short name one apart, are two estates.
    assert not subjects_agree("和平家园〔油烟〕", "和平佳苑〔油烟〕")
    assert not subjects_agree("阳光小区〔油烟〕", "月光小区〔油烟〕")
    # With "小区" or without, a subject is looked up by one key.
    assert (
        subject_key("恒大华府小区〔油烟〕") == subject_key("恒大华府〔油烟〕") == "〔油烟〕恒大华府"
    )


def test_an_accident_of_the_plants_truck_at_the_estate_is_not_the_residents_matter() -> None:
    # The trucks parked at the gate are the residents' complaint (noise, dust); a truck
    # knocking a resident down is an accident, however alike the two letters' words.
    trucks = (
        "丽发新城小区门口搅拌车乱停乱放",
        "丽发新城小区门口每天停满了搅拌站的罐车，噪音大、灰尘多，业主出行很不安全，"
        "请交警和城管处理。",
    )
    accident = (
        "丽发新城门口搅拌车撞人",
        "昨天丽发新城门口一辆搅拌站的罐车把我家老人撞倒了，司机跑了，请求交警处理事故。",
    )
    for letters in ((trucks, accident), (accident, trucks)):
        decisions = _letters(*letters)
        assert decisions[0].matter_id != decisions[1].matter_id, letters[1][0]

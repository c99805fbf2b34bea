"""A building site and a refuse station beside an estate are objects its residents' letters
share, as the mixing plant is (issue 13): the estate's subject names the object
("青秀城〔工地〕", "锦绣家园〔垃圾站〕") and its residents' letters join whatever their text
score, while a site's wages, its muck trucks, a buyer's own flat and a named project stay
other matters.

The letters are written after real ones of ``../shared/data`` ("希望相关部门治理A3区中海国际
社区一期旁边工地的噪音问题", "B9市欧洲城小区工地夜晚施工噪声污染严重", "反映A7县龙塘小区
垃圾站恶臭问题", "A5区佳园星城小区居民反对附近修建垃圾中转站"), at an invented estate.
"""

from __future__ import annotations

import pytest

from services.dedup.features import extract_features
from services.dedup.settings import load_config
from tests.unit.dedup.test_real_petitions import COUNTY, _facts
from tests.unit.dedup.test_subjects import _letters

#: Two residents of one estate on the site across from it, in words that share little.
SITE = (
    ("桂馨苑对面工地半夜还在打桩",
     "我家住桂馨苑7栋，对面工地半夜十二点还在打桩，咚咚咚的声音隔着窗户都听得到，打了热线"
     "也没有用。"),
    ("希望相关部门治理桂馨苑旁边工地的噪音问题",
     "桂馨苑旁边的建筑工地早上很早就开工，晚上十点以后还在浇筑，严重影响居民的正常休息"
     "睡眠，老人孩子都睡不好。"),
)  # fmt: skip
#: Two residents on the refuse station by their estate.
STATION = (
    ("反映桂馨苑垃圾站恶臭问题",
     "本人家住桂馨苑，垃圾站位于12栋对面，垃圾池内常年积水，夏天臭气熏天，望相关部门能"
     "解决！"),
    ("请求搬迁桂馨苑门口的垃圾中转站",
     "桂馨苑门口的垃圾中转站离住户不到二十米，每天早上五点压缩垃圾，苍蝇蚊子成群，恳请"
     "城管部门迁址。"),
)  # fmt: skip


def _subject(title: str, content: str) -> str:
    return extract_features(_facts(0, COUNTY, title, content), load_config()).subject


def _assert_one_and_apart(pair: tuple[tuple[str, str], ...], other: tuple[str, str]) -> None:
    # The pair links in either order, the other letter joins neither, wherever it comes.
    first, second = pair
    for a, b in ((first, second), (second, first)):
        for letters in ((a, other, b), (other, a, b), (a, b, other)):
            ids = [d.matter_id for d in _letters(*letters)]
            at = letters.index(other)
            pair_ids = {ids[i] for i in range(3) if i != at}
            assert len(pair_ids) == 1, letters
            assert ids[at] not in pair_ids, (letters, other[0])


def test_a_site_and_a_station_beside_an_estate_are_its_subjects() -> None:
    assert [_subject(*letter) for letter in SITE] == ["桂馨苑〔工地〕"] * 2
    assert [_subject(*letter) for letter in STATION] == ["桂馨苑〔垃圾站〕"] * 2
    # An estate the reading of places leaves (a name ending "城"), before the site beside
    # it or where its writer says they live, with its developer's brand or not.
    assert _subject("中建青柳城旁工地夜间施工扰民", "工地天天晚上施工到凌晨，吵得睡不着。") == (
        "中建青柳城〔工地〕"
    )
    assert _subject(
        "还能不能让人睡个好觉",
        "我家住东塘街道中建·青柳城，小区对面的工地晚上灯火通明，泵车响一整夜，吵得睡不着。",
    ) == ("中建青柳城〔工地〕")


@pytest.mark.parametrize(
    "other",
    [
        # The site's workers' wages.
        (
            "桂馨苑对面工地拖欠农民工工资",
            "我们在桂馨苑对面工地干了半年，包工头拖欠我们二十多个农民工的工资，请劳动部门帮忙"
            "追讨。",
        ),
        # Its muck trucks and the road they ruin.
        (
            "桂馨苑门口渣土车把路压烂了",
            "桂馨苑门口的路被对面工地的渣土车压坏了，坑坑洼洼，下雨天全是泥，请交通部门修一修。",
        ),
        # Another estate's site.
        (
            "金桂花园对面工地夜间施工扰民",
            "金桂花园对面的工地每天晚上施工到凌晨，打桩声音很大，请城管部门查处。",
        ),
    ],
)
def test_residents_letters_on_the_site_beside_their_estate_link_its_other_matters_apart(
    other: tuple[str, str],
) -> None:
    _assert_one_and_apart(SITE, other)


@pytest.mark.parametrize(
    "other",
    [
        # The estate's rubbish left lying: its property company's, not the station.
        (
            "桂馨苑小区垃圾成堆无人清理",
            "桂馨苑小区物业不作为，楼道里垃圾成堆，好几天没人清理，请街道督促物业整改。",
        ),
        # Another estate's station.
        (
            "反映金桂花园垃圾站恶臭问题",
            "本人家住金桂花园，小区垃圾站就在5栋楼下，臭气熏天，苍蝇乱飞，望相关部门能解决。",
        ),
    ],
)
def test_residents_letters_on_the_station_by_their_estate_link_other_matters_apart(
    other: tuple[str, str],
) -> None:
    _assert_one_and_apart(STATION, other)


@pytest.mark.parametrize(
    "letter",
    [
        # Wages, trucks, a buyer's own flat: other matters of a site.
        ("桂馨苑旁工地拖欠工资", "桂馨苑旁边工地的老板拖欠我们工资三个月了，晚上去找也找不到人。"),
        ("桂馨苑对面工地渣土车扬尘", "桂馨苑对面工地的渣土车进出不冲洗，路上全是泥。"),
        # The estate being built is the site itself ("月光小区二期工地"), or a named project.
        ("桂馨苑二期工地夜间施工扰民", "桂馨苑二期工地每天晚上施工到凌晨，噪音太大。"),
        (
            "举报蓝光项目夜间施工扰民",
            "我是桂馨苑的业主，蓝光项目每天24小时施工，打桩声吵得人睡不着。",
        ),
        # A station's sorting asked by a unit; a letter naming a plant besides.
        ("反映垃圾分类的问题", "我们单位在桂馨苑旁边，一直在做垃圾分类，可垃圾站一车全部拖走。"),
    ],
)
def test_a_sites_or_stations_other_matters_have_no_subject(letter: tuple[str, str]) -> None:
    assert _subject(*letter) == ""
    # Nor does one join the residents' letters.
    _assert_one_and_apart(SITE, letter)

"""Kinds of problem of real titles that read none (``claim_words``, issue 13).

Seven in ten real titles read no kind: the kinds were grown from estates and facilities,
and residents write as often of their own papers and benefits (household registration,
social and medical insurance, the housing fund, the minimum living allowance, an identity
card, a vehicle's plates, a driving licence, a personnel file), of a public employer's
recruitment and its professional titles, and of a village's quarry, its road, its
relocation. Each is read from its words, and not where the word names something else.
"""

from __future__ import annotations

import pytest

from services.dedup import claim_words, text


def _kinds(title: str) -> frozenset[str]:
    return text.claims(text.topic(text.fold(title)))


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("咨询A市户口迁移问题", "household_registration"),
        ("咨询外省人落户A市的相关问题", "household_registration"),
        ("咨询二胎政策与户籍上户问题", "household_registration"),
        ("投诉L3县鑫汇丽景酒店不给员工买社保", "social_insurance"),
        ("咨询C4市农村养老保险", "social_insurance"),
        ("关于产假和生育津贴的咨询", "social_insurance"),
        ("咨询A市医保异地报销政策", "medical_insurance"),
        ("投诉J市公积金管理中心无理拒办公积金贷款", "housing_fund"),
        ("请求关闭F5县东山镇关山村采石场", "quarry"),
        ("投诉F市锦绣华程小区东边碎石场扰民", "quarry"),
        ("投诉D7县栗江镇檀市中学职称评定不公平", "professional_title"),
        ("对K2区卫计系统招聘质疑", "recruitment"),
        ("咨询C市学生档案问题", "personnel_file"),
        ("K市人异地驾驶证换发问题的咨询", "driving_licence"),
        ("希望将A7县棠坡路拓宽", "road_widening"),
        ("K11县县小圩镇沙柳村强烈呼吁修路", "road_paving"),
        ("希望G市城区养狗规定早日出台", "dogs"),
        ("A市128公交车次太少，希望能增加车次", "bus_timetable"),
        ("L3县火场乡低保评选问题咨询", "minimum_living"),
        ("投诉G市金冠驾校乱收补考费", "driving_school"),
        ("咨询L市身份证到期换新事宜", "identity_card"),
        ("关于外地购车本地上牌问题的咨询", "vehicle_plate"),
        ("咨询L3县大坪乡余家村异地搬迁的相关问题", "poverty_relocation"),
        ("举报A1区斯佩斯酒吧无证经营", "unlicensed_business"),
    ],
)
def test_a_real_titles_problem_is_read(title: str, kind: str) -> None:
    assert kind in _kinds(title)


@pytest.mark.parametrize(
    ("title", "not_kind"),
    [
        # The archives bureau is an office; a village named for a quarry is a place; a
        # village group named so is a place.
        ("G4县档案局退休干部独生子女补贴多年不发", "personnel_file"),
        ("A7县石场村道路破损", "quarry"),
        ("咨询J9县普乐镇东水村上牌组村民非转农的问题", "vehicle_plate"),
        # A driving without a licence is no business run without one.
        ("希望L7县县重视三轮摩托车无证驾驶问题", "unlicensed_business"),
    ],
)
def test_a_word_naming_something_else_is_not_its_kind(title: str, not_kind: str) -> None:
    assert not_kind not in _kinds(title)


def test_a_villages_quarry_and_its_road_are_two_kinds() -> None:
    quarry = _kinds("请求关闭关山村采石场")
    road = _kinds("关山村强烈呼吁修路")
    assert text.claims_differ(quarry, road)
    assert not text.claims_differ(quarry, _kinds("关山村采石场炸药震坏村民房屋"))


def test_the_new_kinds_words_are_of_one_kind_each() -> None:
    for kind in ("household_registration", "social_insurance", "housing_fund", "quarry"):
        for word in claim_words.CLAIM_WORDS[kind]:
            assert claim_words.KIND_OF_WORD[word] == kind
            assert word not in text.CLAIM_KINDS.get(kind, ())


def test_a_driving_test_is_not_its_school() -> None:
    assert _kinds("强烈投诉G市交管局科目三考试太难") == {"driving_test"}
    assert text.claims_differ(_kinds("投诉G市金冠驾校工作人员态度"), _kinds("G市科目三考试太难"))
    assert _kinds("咨询A市买房资格有关问题") == {"purchase_eligibility"}

"""Rule-based classification of field and kind (Art. 31)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.cases import MatterKind
from schemas.fields import FIELDS, UNCLASSIFIED
from services.common.rulefile import RuleFileError
from services.intake.classify import (
    Classifier,
    FieldReason,
    KindReason,
    classify,
    default_classifier,
    load_rules,
)

# One short petition per field, as a citizen or a hotline operator would write it.
FIELD_EXAMPLES = [
    ("housing.demolition", "强拆我家房屋", "没有任何通知就把我家房子推了，拆迁补偿一分没给。"),
    ("housing.property_management", "物业不管事", "小区物业费照收，垃圾没人清，门禁坏了半年。"),
    ("housing.quality", "新房漏水开裂", "交房半年，卫生间渗水，客厅墙体开裂。"),
    ("housing.title_certificate", "房产证办不下来", "交房六年，开发商一直不给办理产权证。"),
    ("housing.delayed_delivery", "楼盘烂尾", "开发商资金链断裂，工地停工两年，逾期交房。"),
    ("housing.other", "房东不退押金", "租房到期退租，房东扣下全部押金。"),
    ("land_rural", "征地补偿", "村里的耕地被征用，征地补偿款没有发到户。"),
    ("labour_social_security", "讨薪", "包工头拖欠我们农民工工资三个月。"),
    ("medical", "医院误诊", "父亲在县医院被误诊，延误了手术。"),
    ("education", "孩子入学难", "在本区缴社保三年，孩子上小学却没有学位。"),
    ("environment", "工厂排污", "化工厂夜里偷排废水，河水发臭。"),
    ("transport", "公交停运", "23路公交车取消了，老人去医院没有公交。"),
    ("public_security", "报警不出警", "邻居打架我打110报警，派出所一个小时才出警。"),
    ("civil_affairs", "低保被取消", "丈夫瘫痪在床，家里的低保突然被取消了。"),
    ("urban_management", "占道经营", "菜市场周边小贩占道经营，城管不管。"),
    ("litigation", "判决不执行", "法院判决对方还款，两年了执行不到位。"),
    ("discipline", "局长受贿", "某局局长收受开发商贿赂，以权谋私。"),
]


def test_every_field_has_an_example() -> None:
    assert sorted(field for field, _, _ in FIELD_EXAMPLES) == sorted(FIELDS)


@pytest.mark.parametrize(("field", "title", "content"), FIELD_EXAMPLES)
def test_each_field_rule_recognises_its_petitions(field: str, title: str, content: str) -> None:
    decision = classify(title, content)
    assert decision.field == field
    assert decision.field_reason is FieldReason.MATCHED
    assert decision.field_score >= default_classifier().rules.min_score
    assert any(e.rule == field for e in decision.evidence)


def test_english_petitions_are_classified() -> None:
    decision = classify(
        "Unpaid wages at a construction site",
        "The caller reports that the contractor has not paid 30 workers for 4 months.",
    )
    assert decision.field == "labour_social_security"
    assert decision.kind is MatterKind.COMPLAINT


def test_traditional_characters_match_simplified_keywords() -> None:
    assert classify("房產證辦理問題", "購房十年，開發商未辦理房產證。").field == (
        "housing.title_certificate"
    )


def test_latin_keywords_match_whole_words_only() -> None:
    # "land" must not fire inside "landlord"; "landlord" is a housing word.
    decision = classify("My landlord", "My landlord kept my deposit.")
    assert decision.field == "housing.other"
    assert decision.field_scores["land_rural"] == 0


def test_evidence_says_which_keyword_matched_where_and_with_what_weight() -> None:
    decision = classify("购房多年无法办理产权证", "开发商至今未办理产权证。")
    deed = [e for e in decision.evidence if e.term == "产权证"]
    assert len(deed) == 1, "a keyword counts once"
    assert deed[0].where == "title"
    assert deed[0].weight == 5 * default_classifier().rules.title_factor
    assert decision.field_score == sum(
        e.weight for e in decision.evidence if e.rule == decision.field
    )


def test_nothing_recognisable_is_unclassified() -> None:
    decision = classify("请领导接见", "我有重要情况需要当面反映。")
    assert decision.field == UNCLASSIFIED
    assert decision.field_reason is FieldReason.NO_KEYWORD
    assert decision.kind is MatterKind.COMPLAINT
    assert decision.kind_reason is KindReason.DEFAULT_COMPLAINT


def test_an_accusation_against_an_official_is_an_accusation() -> None:
    decision = classify("实名举报村支书贪污", "村党支部书记虚报冒领低保金十余万元。")
    assert decision.kind is MatterKind.ACCUSATION
    assert decision.kind_reason is KindReason.ACCUSATION_KEYWORDS
    assert decision.field == "discipline"


def test_reporting_a_noisy_bar_is_not_an_accusation() -> None:
    # "举报" alone names no official or misconduct (requires_any of the accusation kind).
    decision = classify("举报酒吧噪音", "楼下酒吧每天营业到凌晨，噪音扰民。")
    assert decision.kind is MatterKind.COMPLAINT
    assert decision.field == "environment"


def test_a_suggestion_is_a_suggestion() -> None:
    decision = classify("建议增设公交线路", "希望在高新区增开一条直达市区的公交线路。")
    assert decision.kind is MatterKind.SUGGESTION
    assert decision.field == "transport"


def test_an_exclusion_vetoes_its_field() -> None:
    # Property management excludes demolition words: a demolition in an estate is demolition.
    decision = classify("小区被强拆", "物业配合拆迁公司强拆小区车库。")
    assert decision.field_scores["housing.property_management"] == 0
    assert decision.field == "housing.demolition"


RULES = """\
version: 1
title_factor: 1.5
min_score: 2
fields:
  medical:
    description: medical
    keywords: {医院: 3, 医保: 2}
    exclude: [兽医]
  education:
    description: schools
    keywords: {学校: 3}
    requires_any: [孩子]
kinds:
  suggestion:
    min_score: 3
    keywords: {建议: 3}
"""


def test_a_custom_rule_set_applies_exclusions_and_requirements() -> None:
    classifier = Classifier(load_rules(RULES))
    assert classifier.classify("医院", "").field == "medical"
    assert classifier.classify("兽医医院", "").field == UNCLASSIFIED
    assert classifier.classify("学校", "").field == UNCLASSIFIED
    assert classifier.classify("学校", "孩子").field == "education"
    assert classifier.classify("医保", "").field_reason is FieldReason.MATCHED
    assert classifier.classify("建议", "").kind is MatterKind.SUGGESTION


def test_a_wrong_weight_names_its_line() -> None:
    bad = RULES.replace("医保: 2", "医保: lots")
    with pytest.raises(RuleFileError) as caught:
        load_rules(bad, "classification.yaml")
    assert "classification.yaml:7:" in str(caught.value)
    assert "fields.medical.keywords.医保" in str(caught.value)


def test_an_unknown_field_code_names_its_line() -> None:
    bad = RULES.replace("  education:", "  schooling:")
    with pytest.raises(
        RuleFileError, match=r"classification.yaml:9:3: fields.schooling.\[key\]: Input should be"
    ):
        load_rules(bad, "classification.yaml")


def test_a_duplicate_key_names_its_line() -> None:
    bad = RULES.replace("  education:\n", "  medical:\n")
    with pytest.raises(
        RuleFileError, match=r":9:3: fields.medical: duplicate key 'medical' \(first at line 5\)"
    ):
        load_rules(bad)


def test_broken_yaml_names_its_line() -> None:
    with pytest.raises(RuleFileError, match=r":4: invalid YAML"):
        load_rules("version: 1\nfields:\n  - [unclosed\n  x: y\n")


@settings(max_examples=200)
@given(st.text(max_size=300), st.text(max_size=2000))
def test_classification_never_crashes(title: str, content: str) -> None:
    decision = classify(title, content)
    assert decision.field in (*FIELDS, UNCLASSIFIED)
    assert decision.kind in MatterKind

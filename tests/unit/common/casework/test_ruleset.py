"""The rule file: the shipped defaults are the statutory limits; errors name the line."""

from __future__ import annotations

import pytest

from schemas.cases import AgencyLevel
from services.common.casework.ruleset import DEFAULT_RULES_PATH, load_rules, parse_rules
from services.common.rulefile import RuleFileError


def test_the_shipped_file_holds_the_statutory_limits() -> None:
    rules = load_rules()
    limits = rules.time_limits
    assert (limits.transfer.days, limits.transfer.article) == (15, "Art. 22")
    assert (limits.acceptance.days, limits.acceptance.article) == (15, "Art. 23")
    assert limits.competence_objection.working_days == 5
    assert (limits.handling.days, limits.handling.article) == (60, "Art. 34")
    assert (limits.extension.max_days, limits.extension.max_count) == (30, 1)
    assert limits.review_request.days == limits.review_decision.days == 30
    assert limits.re_review_request.days == limits.re_review_decision.days == 30
    assert rules.clocks.warn_share == 0.8
    assert rules.clocks.roll_over_rest_days is True  # Civil Code Art. 203
    assert rules.leadership_package.min_repeat_count == 3
    assert rules.collective_petition.min_petitioners == 5
    open_days = rules.backlog.open_days
    assert (open_days.handling, open_days.review, open_days.re_review) == (90, 90, 90)


def test_target_agencies_are_the_petition_bureaus_of_the_parent_regions() -> None:
    targets = load_rules().targets
    assert targets.bureau("610302", AgencyLevel.COUNTY) == "610302-xfj"
    assert targets.bureau("610302", AgencyLevel.CITY) == "610300-xfj"
    assert targets.bureau("610302", AgencyLevel.PROVINCE) == "610000-xfj"
    assert targets.bureau("610302", AgencyLevel.NATIONAL) == "national-xfj"


def _shipped() -> str:
    return DEFAULT_RULES_PATH.read_text(encoding="utf-8")


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_a_value_out_of_range_is_reported_at_its_line() -> None:
    text = _shipped().replace("warn_share: 0.8", "warn_share: 1.5")
    with pytest.raises(RuleFileError) as caught:
        parse_rules(text, "escalation.yaml")
    (problem,) = caught.value.problems
    assert problem.path == "clocks.warn_share"
    assert problem.line == _line_of(text, "warn_share: 1.5")
    where = f"escalation.yaml:{problem.line}:{problem.column}"
    assert f"{where}: clocks.warn_share:" in str(caught.value)


def test_an_unknown_key_is_an_error_at_its_line() -> None:
    text = _shipped() + "  opne_days: 91\n"  # the file ends with the backlog section
    with pytest.raises(RuleFileError) as caught:
        parse_rules(text)
    (problem,) = caught.value.problems
    assert problem.path == "backlog.opne_days"
    assert problem.line == _line_of(text, "opne_days")


def test_an_extension_beyond_art_34_is_refused() -> None:
    text = _shipped().replace("max_days: 30", "max_days: 45")
    with pytest.raises(RuleFileError) as caught:
        parse_rules(text)
    assert caught.value.problems[0].path == "time_limits.extension.max_days"
    assert caught.value.problems[0].line == _line_of(text, "max_days: 45")


def test_a_missing_section_is_reported_at_its_parent() -> None:
    text = _shipped().replace("  handling:", "  handlng:")
    with pytest.raises(RuleFileError) as caught:
        parse_rules(text)
    paths = {p.path: p.line for p in caught.value.problems}
    assert paths["time_limits.handling"] == _line_of(text, "time_limits:")
    assert paths["time_limits.handlng"] == _line_of(text, "handlng:")


def test_an_exclusion_without_any_of_its_rules_words_is_refused_at_its_rule() -> None:
    text = _shipped().replace('excludes: ["杀人案"', 'excludes: ["油价上涨"')
    with pytest.raises(RuleFileError) as caught:
        parse_rules(text)
    (problem,) = caught.value.problems
    assert problem.path == "risk_to_life.rules.3"
    assert "['油价上涨'] contain none of the rule's words" in problem.message


def test_risk_rule_names_are_unique() -> None:
    text = _shipped().replace("- name: self_immolation", "- name: self_harm")
    with pytest.raises(RuleFileError, match=r"repeated: \['self_harm'\]"):
        parse_rules(text)


def test_broken_yaml_names_the_line() -> None:
    text = _shipped().replace("warn_share: 0.8", "warn_share: [0.8")
    with pytest.raises(RuleFileError) as caught:
        parse_rules(text)
    assert caught.value.problems[0].line is not None


def test_the_roll_over_must_be_a_boolean_and_is_required() -> None:
    text = _shipped().replace("roll_over_rest_days: true", "roll_over_rest_days: sometimes")
    with pytest.raises(RuleFileError) as caught:
        parse_rules(text)
    (problem,) = caught.value.problems
    assert problem.path == "clocks.roll_over_rest_days"
    assert problem.line == _line_of(text, "roll_over_rest_days: sometimes")
    # Strict: a number is not taken for a yes or a no.
    with pytest.raises(RuleFileError, match=r"clocks\.roll_over_rest_days"):
        parse_rules(_shipped().replace("roll_over_rest_days: true", "roll_over_rest_days: 1"))
    missing = _shipped().replace("  roll_over_rest_days: true\n", "")
    with pytest.raises(RuleFileError) as caught:
        parse_rules(missing)
    (problem,) = caught.value.problems
    assert (problem.path, problem.message) == ("clocks.roll_over_rest_days", "Field required")
    assert problem.line == _line_of(missing, "clocks:")
    off = parse_rules(_shipped().replace("roll_over_rest_days: true", "roll_over_rest_days: false"))
    assert off.clocks.roll_over_rest_days is False


def test_a_key_given_twice_is_refused_at_its_line() -> None:
    # YAML alone would keep the second value without a word: the file must say one thing.
    text = _shipped().replace("warn_share: 0.8", "warn_share: 0.8\n  warn_share: 0.5")
    with pytest.raises(RuleFileError) as caught:
        parse_rules(text, "escalation.yaml")
    (problem,) = caught.value.problems
    assert problem.path == "clocks.warn_share"
    assert problem.line == _line_of(text, "warn_share: 0.5")
    assert f"first at line {_line_of(text, 'warn_share: 0.8')}" in problem.message

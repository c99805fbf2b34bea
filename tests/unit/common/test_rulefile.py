"""The one rule-file loader: every problem at its line and column, keys given twice refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field

from services.common.rulefile import (
    Finding,
    RuleFileError,
    UnreadableRuleFileError,
    load_rule_file,
    read_rule_file,
    read_rule_text,
)


class Limit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int = Field(ge=1)
    warn_share: float = Field(default=0.8, lt=1)


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    limits: dict[str, Limit]
    keywords: list[str] = []


RULES = """\
version: 1
limits:
  handling:
    days: 60
  review:
    days: 30
keywords: [自焚, 跳楼]
"""


def _problems(
    text: str, check: Callable[[Rules], list[Finding]] | None = None
) -> list[tuple[int | None, str, str]]:
    with pytest.raises(RuleFileError) as caught:
        load_rule_file(text, Rules, "rules.yaml", check)
    return [(p.line, p.path, p.message) for p in caught.value.problems]


def test_a_good_file_loads() -> None:
    rules = load_rule_file(RULES, Rules, "rules.yaml")
    assert rules.limits["review"].days == 30
    assert rules.keywords == ["自焚", "跳楼"]


def test_a_key_given_twice_is_refused_at_its_line_wherever_it_is() -> None:
    # Plain YAML loading would keep the second value and say nothing.
    text = RULES.replace("  review:\n    days: 30\n", "  review:\n    days: 30\n    days: 3\n")
    text += "version: 2\n"
    assert _problems(text) == [
        (7, "limits.review.days", "duplicate key 'days' (first at line 6)"),
        (9, "version", "duplicate key 'version' (first at line 1)"),
    ]


def test_every_refused_value_is_reported_at_its_line_and_column() -> None:
    text = RULES.replace("days: 30", "days: 0")
    text = text.replace("    days: 60\n", "    days: 60\n    dais: 1\n")
    with pytest.raises(RuleFileError) as caught:
        load_rule_file(text, Rules, "rules.yaml")
    message = str(caught.value)
    assert "rules.yaml:5:5: limits.handling.dais: Extra inputs are not permitted" in message
    assert "rules.yaml:7:5: limits.review.days: Input should be greater than or equal to 1" in (
        message
    )


def test_a_missing_key_is_reported_at_the_mapping_that_should_hold_it() -> None:
    text = RULES.replace("  review:\n    days: 30\n", "  review:\n    warn_share: 0.5\n")
    assert _problems(text) == [(5, "limits.review.days", "Field required")]


def test_findings_of_the_check_for_meaning_are_reported_at_their_lines() -> None:
    def check(rules: Rules) -> list[Finding]:
        if rules.limits["review"].days > rules.limits["handling"].days:
            return [(("limits", "review", "days"), "longer than handling")]
        return []

    assert _problems(RULES.replace("days: 30", "days: 90"), check) == [
        (6, "limits.review.days", "longer than handling")
    ]


def test_broken_yaml_and_an_empty_file_name_their_line() -> None:
    with pytest.raises(RuleFileError, match=r"rules.yaml:4:4: invalid YAML"):
        load_rule_file("version: 1\nlimits:\n  - [unclosed\n  x: y\n", Rules, "rules.yaml")
    with pytest.raises(RuleFileError, match=r"rules.yaml:1: the file is empty"):
        load_rule_file("# only a comment\n", Rules, "rules.yaml")


def test_an_unreadable_file_is_a_rule_file_error(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match=r"none\.yaml: cannot read"):
        read_rule_file(tmp_path / "none.yaml", Rules)
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    assert read_rule_file(tmp_path / "rules.yaml", Rules).version == 1


def test_a_file_that_is_not_utf8_is_refused_at_the_line_and_column_of_its_first_bad_byte(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_bytes(RULES.encode() + "# 备注 ".encode() + b"\xe9t\xe9\n")
    with pytest.raises(RuleFileError) as caught:
        read_rule_file(path, Rules)
    # Line 8, after "# 备注 " (five characters, nine bytes): the column an editor shows.
    assert str(caught.value) == (
        f"{path}:8:6: not UTF-8: byte 0xe9 (invalid continuation byte)"
    )
    with pytest.raises(RuleFileError, match=r"rules.yaml:8:6: not UTF-8"):
        read_rule_text(path)


def test_an_unreadable_file_read_as_text_is_both_an_os_error_and_a_value_error(
    tmp_path: Path,
) -> None:
    # An OSError for a caller that names its setting, a ValueError for a settings
    # validator (pydantic reports those as a bad setting, not as a traceback).
    for path in (tmp_path / "none.yaml", tmp_path):
        with pytest.raises(UnreadableRuleFileError) as caught:
            read_rule_text(path)
        assert isinstance(caught.value, OSError)
        assert isinstance(caught.value, ValueError)
        assert caught.value.filename == str(path)

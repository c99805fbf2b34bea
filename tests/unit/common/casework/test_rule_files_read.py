"""The escalation rule file and the holiday calendar are read as every rule file is: a file
that is not UTF-8 is a ``RuleFileError`` at its line and column, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.common.casework.holidays import DEFAULT_CALENDAR_PATH, load_calendar
from services.common.casework.ruleset import DEFAULT_RULES_PATH, load_rules
from services.common.rulefile import RuleFileError, UnreadableRuleFileError


def _latin1_copy(source: Path, tmp_path: Path) -> Path:
    # The shipped file with a comment saved in another encoding at its end.
    path = tmp_path / source.name
    path.write_bytes(source.read_bytes() + "# année\n".encode("latin-1"))
    return path


def test_escalation_rules_that_are_not_utf8_are_a_rule_file_error(tmp_path: Path) -> None:
    path = _latin1_copy(DEFAULT_RULES_PATH, tmp_path)
    line = DEFAULT_RULES_PATH.read_bytes().count(b"\n") + 1
    with pytest.raises(RuleFileError, match=rf"escalation.yaml:{line}:6: not UTF-8: byte 0xe9"):
        load_rules(path)


def test_a_holiday_calendar_that_is_not_utf8_is_a_rule_file_error(tmp_path: Path) -> None:
    path = _latin1_copy(DEFAULT_CALENDAR_PATH, tmp_path)
    line = DEFAULT_CALENDAR_PATH.read_bytes().count(b"\n") + 1
    with pytest.raises(RuleFileError, match=rf"{path.name}:{line}:6: not UTF-8: byte 0xe9"):
        load_calendar(path)


def test_a_missing_file_stays_an_os_error_for_the_caller_to_name_its_setting(
    tmp_path: Path,
) -> None:
    with pytest.raises(UnreadableRuleFileError, match="No such file"):
        load_rules(tmp_path / "none.yaml")
    with pytest.raises(OSError, match="Is a directory"):
        load_calendar(tmp_path)

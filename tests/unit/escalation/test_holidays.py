"""The holiday calendar: the State Council's notices from a file, the statute beyond it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar  # type: ignore[import-untyped]  # ships no type information
import pytest

from services.common.casework.holidays import (
    DEFAULT_CALENDAR_PATH,
    HolidayCalendar,
    load_calendar,
    parse_calendar,
    seed_from_chinese_calendar,
)
from services.common.casework.workdays import CHINA_TZ, roll_over_rest_days, working_days_due
from services.common.rulefile import RuleFileError
from services.common.settings import SettingsError
from services.escalation.settings import EscalationSettings, load_checked_calendar


def cst(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CHINA_TZ)


def watched() -> tuple[HolidayCalendar, list[int]]:
    told: list[int] = []
    return load_calendar(on_missing_year=told.append), told


def test_the_shipped_file_agrees_with_chinese_calendar_on_every_day_it_covers() -> None:
    calendar = load_calendar()
    assert min(calendar.covered) == 2004
    assert max(calendar.covered) == 2026
    day = date(2004, 1, 1)
    while day.year <= 2026:
        assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_the_seed_writes_the_shipped_file() -> None:
    assert seed_from_chinese_calendar() == DEFAULT_CALENDAR_PATH.read_text(encoding="utf-8")


def test_a_limit_ending_on_new_years_day_2027_rolls_over_to_monday() -> None:
    # Friday 1 January 2027 is New Year's Day even without the 2027 notice: a limit whose
    # last day it is ends with Monday 4 January, not on the holiday.
    calendar, told = watched()
    assert roll_over_rest_days(cst(2027, 1, 2), calendar) == cst(2027, 1, 5)
    assert told == [2027]


def test_the_2027_spring_festival_is_no_working_days() -> None:
    # Lunar new year 2027 is Saturday 6 February: its eve (Friday 5) and the first three
    # days (6, 7, Monday 8) are rest days, so 5 working days from Thursday 4 February
    # are 9, 10, 11, 12 and 15 February.
    calendar, told = watched()
    for february in (5, 6, 7, 8):
        assert not calendar.is_working_day(date(2027, 2, february))
    assert calendar.is_working_day(date(2027, 2, 9))
    assert working_days_due(cst(2027, 2, 4, 9), 5, calendar) == cst(2027, 2, 16)
    # Qingming (5 April), Labour Day (1-2 May), Dragon Boat (9 June), Mid-Autumn
    # (15 September), National Day (1-3 October) likewise.
    for day in (date(2027, 4, 5), date(2027, 6, 9), date(2027, 9, 15), date(2027, 10, 1)):
        assert not calendar.is_working_day(day), day
    assert told == [2027]


def test_a_missing_year_is_told_once_and_a_covered_one_never() -> None:
    calendar, told = watched()
    for offset in range(400):
        calendar.is_working_day(date(2026, 6, 1) + timedelta(days=offset))
    assert told == [2027]
    assert calendar.missing_years() == [2027]
    calendar.is_working_day(date(2030, 1, 1))
    assert told == [2027, 2030]


NEWER = """\
version: 1
years:
  2027:
    holidays:
      - {name: 元旦, first: 2027-01-01, last: 2027-01-03}
      - {name: 春节, first: 2027-02-05, last: 2027-02-12}
    working_days:
      - {name: 春节, day: 2027-02-20}
"""


def test_a_newer_file_covers_its_year_with_the_notices_adjustments(tmp_path: Path) -> None:
    newer = tmp_path / "holidays.yaml"
    newer.write_text(NEWER, encoding="utf-8")
    told: list[int] = []
    settings = EscalationSettings(calendar_path=newer)
    calendar = load_checked_calendar(settings, told.append)
    assert calendar.covers(2027)
    assert not calendar.is_working_day(date(2027, 2, 11))  # bridged by the notice
    assert calendar.is_working_day(date(2027, 2, 20))  # a Saturday worked
    assert told == []


@pytest.mark.parametrize(
    ("text", "line", "path", "message"),
    [
        (
            NEWER.replace("last: 2027-02-12", "last: 2028-02-12"),
            6,
            "years.2027.holidays.1.last",
            "2028-02-12 is not in 2027",
        ),
        (
            NEWER.replace("first: 2027-02-05", "first: 2027-02-15"),
            6,
            "years.2027.holidays.1.last",
            "2027-02-12 is before first 2027-02-15",
        ),
        (
            NEWER.replace("day: 2027-02-20", "day: 2027-02-10"),
            8,
            "years.2027.working_days.0.day",
            "2027-02-10 is a weekday: only a weekend day is adjusted",
        ),
        (
            NEWER.replace("day: 2027-02-20", "day: 2027-01-02"),
            8,
            "years.2027.working_days.0.day",
            "2027-01-02 is also listed as a holiday",
        ),
        (NEWER.replace("first: 2027-01-01", "frist: 2027-01-01"), 5, "years.2027.holidays.0", ""),
        (NEWER.replace("2027:", "1870:"), 3, "years.1870", ""),
    ],
    ids=["outside-year", "backwards", "weekday-worked", "worked-holiday", "typo", "year"],
)
def test_a_bad_calendar_names_the_line(text: str, line: int, path: str, message: str) -> None:
    with pytest.raises(RuleFileError) as raised:
        parse_calendar(text, "holidays.yaml")
    problems = [(p.line, p.path) for p in raised.value.problems]
    assert (line, path) in problems or any(
        p.line == line and p.path.startswith(path) for p in raised.value.problems
    ), raised.value
    assert message in str(raised.value)


def test_the_service_refuses_to_start_on_a_bad_calendar(tmp_path: Path) -> None:
    bad = tmp_path / "holidays.yaml"
    bad.write_text(NEWER.replace("day: 2027-02-20", "day: 2027-02-10"), encoding="utf-8")
    with pytest.raises(SettingsError, match=r"holidays.yaml:8:20: years.2027.working_days.0.day"):
        load_checked_calendar(EscalationSettings(calendar_path=bad), print)
    with pytest.raises(SettingsError, match="XINFANG_ESCALATION_CALENDAR_PATH"):
        load_checked_calendar(EscalationSettings(calendar_path=tmp_path / "none.yaml"), print)

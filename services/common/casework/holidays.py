"""The national holiday calendar: each year's public holidays and adjusted working days.

The State Council publishes every year, usually in November or December, a notice of the
next year's public holidays (放假) and of the weekend days worked in exchange (调休上班).
Working-day limits (Art. 23, the objection to competence) count on it, and calendar-day
limits roll over a rest day at their end on it (Civil Code Art. 203). It is data, not
code: ``rules/holidays.yaml`` ships the years the ``chinese-calendar`` package knows
(``xinfang escalation-calendar seed`` writes it again), and an operator adds a year from
the notice by pointing ``XINFANG_ESCALATION_CALENDAR_PATH`` at a newer file, validated at
start-up with errors that name the line.

A year the file does not cover is not counted as weekends only: the statutory holidays of
the national rules on public holidays (全国年节及纪念日放假办法, as amended in force from
1 January 2025) are rest days, the fixed ones (New Year's Day 1 January, Labour Day 1-2 May,
National Day 1-3 October) and the lunar ones (Spring Festival's eve and its first three
days, Qingming at its solar term, Dragon Boat on the 5th of the 5th month, Mid-Autumn on
the 15th of the 8th month). What the fallback cannot know is the year's notice: the days
bridged to a weekend and the weekend days worked. So the first time a deadline needs such
a year, ``on_missing_year`` is told (the service logs a warning once and sets
``xinfang_escalation_calendar_missing_year``; ``escalation-replay`` says so on stderr).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Final, Literal

import chinese_calendar  # type: ignore[import-untyped]  # ships no type information
from lunardate import LunarDate  # type: ignore[import-untyped]  # a module without py.typed
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.common.rulefile import Finding, load_rule_file, read_rule_text

#: The calendar shipped with the service.
DEFAULT_CALENDAR_PATH: Final = Path(__file__).with_name("rules") / "holidays.yaml"
#: The years the lunar calendar (lunardate) and the solar terms (chinese-calendar) compute.
FIRST_YEAR: Final = 1901
LAST_YEAR: Final = 2099
_SATURDAY: Final = 5

Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]
HolidayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HolidayEntry(_Strict):
    """Public holidays from ``first`` to ``last``, both rest days (a holiday week)."""

    name: HolidayName
    first: date
    last: date

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


class WorkingDayEntry(_Strict):
    """A weekend day worked in exchange for a holiday (调休上班)."""

    name: HolidayName
    day: date


class YearNotice(_Strict):
    """One year's State Council notice."""

    holidays: tuple[HolidayEntry, ...] = Field(min_length=1)
    working_days: tuple[WorkingDayEntry, ...] = ()


class CalendarFile(_Strict):
    """The whole calendar file."""

    version: Literal[1]
    years: dict[Year, YearNotice] = Field(min_length=1)


def _check(calendar: CalendarFile) -> list[Finding]:
    """What a file that parsed may still get wrong: dates outside their year, a range
    backwards, a working day that is no weekend day or lies inside a holiday."""
    found: list[Finding] = []
    for year, notice in calendar.years.items():
        rest: set[date] = set()
        for index, entry in enumerate(notice.holidays):
            where = ("years", year, "holidays", index)
            if entry.last < entry.first:
                found.append(((*where, "last"), f"{entry.last} is before first {entry.first}"))
            # A day is looked up under its own year: a run across New Year is two entries.
            for field, day in (("first", entry.first), ("last", entry.last)):
                if day.year != year:
                    found.append(((*where, field), f"{day} is not in {year}"))
            rest.update(entry.days())
        for index, worked in enumerate(notice.working_days):
            at = ("years", year, "working_days", index, "day")
            if worked.day.year != year:
                found.append((at, f"{worked.day} is not in {year}"))
            if worked.day.weekday() < _SATURDAY:
                found.append((at, f"{worked.day} is a weekday: only a weekend day is adjusted"))
            if worked.day in rest:
                found.append((at, f"{worked.day} is also listed as a holiday"))
    return found


@dataclass(frozen=True)
class _Year:
    rest_days: frozenset[date]
    working_days: frozenset[date]


def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory public holidays of ``year`` without its notice's adjustments.

    全国年节及纪念日放假办法 Art. 2, in force from 1 January 2025: New Year's Day (1 day),
    Spring Festival (its eve and the first three days of the first lunar month), Qingming
    (the day of the solar term), Labour Day (1-2 May), Dragon Boat (5th day of the 5th lunar
    month), Mid-Autumn (15th day of the 8th lunar month), National Day (1-3 October).
    """
    new_year = LunarDate(year, 1, 1).to_solar_date()
    qingming = next(
        day
        for day, term in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
        if term == "清明"
    )
    days = {
        date(year, 1, 1): "元旦",
        **{new_year + timedelta(days=n): "春节" for n in range(-1, 3)},
        qingming: "清明",
        date(year, 5, 1): "劳动节",
        date(year, 5, 2): "劳动节",
        LunarDate(year, 5, 5).to_solar_date(): "端午",
        LunarDate(year, 8, 15).to_solar_date(): "中秋",
        **{date(year, 10, day): "国庆节" for day in (1, 2, 3)},
    }
    return days


class HolidayCalendar:
    """Whether a day is a working day in China, from the notices and else the statute.

    ``on_missing_year`` is called once per year the notices do not cover, the first time a
    day of that year is asked about (the service logs it and sets a gauge).
    """

    def __init__(
        self,
        notices: Mapping[int, YearNotice],
        source: str,
        on_missing_year: Callable[[int], None] | None = None,
    ) -> None:
        self.source = source
        self._years: dict[int, _Year] = {
            year: _Year(
                rest_days=frozenset(day for entry in notice.holidays for day in entry.days()),
                working_days=frozenset(worked.day for worked in notice.working_days),
            )
            for year, notice in notices.items()
        }
        self.covered: frozenset[int] = frozenset(notices)
        self._on_missing_year = on_missing_year

    def covers(self, year: int) -> bool:
        """Whether the notices cover ``year`` (else the statutory fallback counts)."""
        return year in self.covered

    def missing_years(self) -> list[int]:
        """The years asked about that the notices do not cover, in order."""
        return sorted(set(self._years) - self.covered)

    def is_working_day(self, day: date) -> bool:
        """Working day: a listed adjusted weekend day, or a weekday that is no holiday."""
        year = self._years.get(day.year) or self._fallback(day.year)
        if day in year.working_days:
            return True
        return day.weekday() < _SATURDAY and day not in year.rest_days

    def _fallback(self, year: int) -> _Year:
        if not FIRST_YEAR <= year <= LAST_YEAR:
            # No limit reaches outside 1901-2099; a bad event time is refused upstream.
            raise ValueError(f"{year}: the holiday calendar computes {FIRST_YEAR}-{LAST_YEAR}")
        built = _Year(rest_days=frozenset(statutory_holidays(year)), working_days=frozenset())
        self._years[year] = built
        if self._on_missing_year is not None:
            self._on_missing_year(year)
        return built


def parse_calendar(
    text: str, source: str = "<calendar>", on_missing_year: Callable[[int], None] | None = None
) -> HolidayCalendar:
    """Parse and check a calendar file's text; raises ``RuleFileError`` naming lines."""
    parsed = load_rule_file(text, CalendarFile, source, _check)
    return HolidayCalendar(parsed.years, source, on_missing_year)


def load_calendar(
    path: Path = DEFAULT_CALENDAR_PATH, on_missing_year: Callable[[int], None] | None = None
) -> HolidayCalendar:
    """Read and check a calendar file; raises ``RuleFileError`` naming line and path (a
    file that is not UTF-8 too), ``UnreadableRuleFileError`` (an OSError) when it cannot be read."""
    return parse_calendar(read_rule_text(path), str(path), on_missing_year)


@functools.cache
def shipped_calendar() -> HolidayCalendar:
    """The shipped calendar, read once, telling nobody about missing years (tests, tools)."""
    return load_calendar()


def seed_from_chinese_calendar() -> str:
    """The calendar file for every year ``chinese-calendar`` knows, as YAML text."""
    from chinese_calendar.constants import (  # type: ignore[import-untyped]
        Holiday,
        holidays,
        workdays,
    )

    names = {holiday.value: holiday.chinese for holiday in Holiday}
    lines = [
        "# The national holiday calendar: each year's public holidays and the weekend days",
        "# worked in exchange, from the State Council's yearly notice (国务院办公厅关于<year>年",
        "# 部分节假日安排的通知). Seeded from the chinese-calendar package by",
        "# `xinfang escalation-calendar seed`; a year not listed here falls back to the statutory",
        "# holidays (services/common/casework/holidays.py) and raises an alert. To add a year,",
        "# copy this file, add the notice and set XINFANG_ESCALATION_CALENDAR_PATH to the copy.",
        "version: 1",
        "years:",
    ]
    for year in sorted({day.year for day in holidays}):
        lines.append(f"  {year}:")
        lines.append("    holidays:")
        rest = [(d, names[n]) for d, n in holidays.items() if d.year == year]
        lines.extend(
            f"      - {{name: {name}, first: {first}, last: {last}}}"
            for name, first, last in _runs(rest)
        )
        worked = sorted((d, names[n]) for d, n in workdays.items() if d.year == year)
        if worked:
            lines.append("    working_days:")
            lines.extend(f"      - {{name: {name}, day: {day}}}" for day, name in worked)
    return "\n".join(lines) + "\n"


def _runs(days: Iterable[tuple[date, str]]) -> list[tuple[str, date, date]]:
    """Consecutive days of one holiday as (name, first, last)."""
    runs: list[tuple[str, date, date]] = []
    for day, name in sorted(days):
        if runs and runs[-1][0] == name and runs[-1][2] + timedelta(days=1) == day:
            runs[-1] = (name, runs[-1][1], day)
        else:
            runs.append((name, day, day))
    return runs

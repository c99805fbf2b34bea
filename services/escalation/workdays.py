"""Day arithmetic for the time limits of the Regulations on Letters and Calls Work.

Limits are counted in whole days of China Standard Time: the day of the triggering event
(receipt, acceptance, reply) is not counted and a limit of N days ends at midnight after
the N-th following day. Working-day limits (Art. 23, the objection to competence) skip
weekends and public holidays and count the adjusted working weekends, following the
national holiday calendar of the State Council as packaged by ``chinese_calendar``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Final

import chinese_calendar  # type: ignore[import-untyped]  # ships no type information

#: China Standard Time. Fixed UTC+8 (no daylight saving since 1991), so no tz database.
CHINA_TZ: Final = timezone(timedelta(hours=8), "CST")


def local_day(moment: datetime) -> date:
    """The calendar day in China of an aware time."""
    return moment.astimezone(CHINA_TZ).date()


def end_of_day(day: date) -> datetime:
    """Midnight after ``day`` in China: the last instant a limit ending on ``day`` allows."""
    return datetime.combine(day + timedelta(days=1), time(), CHINA_TZ)


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day in China.

    Inside the years the holiday calendar covers, this is its answer (public holidays are
    off, adjusted working weekends are on). Outside them it falls back to Monday to Friday,
    so a case is never stuck on a missing calendar year; ``calendar_covers`` tells
    start-up checks whether the calendar package needs an update.
    """
    if calendar_covers(day):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def calendar_covers(day: date) -> bool:
    """Whether the national holiday calendar has data for the year of ``day``."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def calendar_days_due(start: datetime, days: int) -> datetime:
    """The end of a limit of ``days`` calendar days counted from ``start``."""
    return end_of_day(local_day(start) + timedelta(days=days))


def working_days_due(start: datetime, days: int) -> datetime:
    """The end of a limit of ``days`` working days counted from ``start``."""
    day = local_day(start)
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return end_of_day(day)

"""Day arithmetic for the time limits of the Regulations on Letters and Calls Work.

Limits are counted in whole days of China Standard Time: the day of the triggering event
(receipt, acceptance, reply) is not counted and a limit of N days ends at midnight after
the N-th following day. Working-day limits (Art. 23, the objection to competence) skip
weekends and public holidays and count the adjusted working weekends, following the
national holiday calendar of the State Council (``holidays.HolidayCalendar``: the yearly
notices from a data file, the statutory holidays for a year it lacks).

A calendar-day limit whose last day is a rest day (a public holiday or a weekend that is
not an adjusted working day) ends at the end of the first working day after it
(``roll_over_rest_days``; PRC Civil Code Art. 203, the rule civil procedure follows too).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Final

from services.common.casework.holidays import HolidayCalendar

#: China Standard Time. Fixed UTC+8 (no daylight saving since 1991), so no tz database.
CHINA_TZ: Final = timezone(timedelta(hours=8), "CST")
#: The resolution of datetime: a limit ending at midnight ends on the day before it.
_INSTANT: Final = timedelta(microseconds=1)


def local_day(moment: datetime) -> date:
    """The calendar day in China of an aware time."""
    return moment.astimezone(CHINA_TZ).date()


def end_of_day(day: date) -> datetime:
    """Midnight after ``day`` in China: the last instant a limit ending on ``day`` allows."""
    return datetime.combine(day + timedelta(days=1), time(), CHINA_TZ)


def days_taken(start: datetime, end: datetime) -> list[date]:
    """The calendar days in China on which a span from ``start`` to ``end`` took place, each
    whole: from ``start``'s day to the day of its last instant (``start``'s day alone for a
    span of no length). A span ending at midnight does not take the day that begins then."""
    first = local_day(start)
    last = local_day(end - _INSTANT) if end > start else first
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def calendar_days_due(start: datetime, days: int) -> datetime:
    """The end of a limit of ``days`` calendar days counted from ``start``."""
    return end_of_day(local_day(start) + timedelta(days=days))


def roll_over_rest_days(due: datetime, calendar: HolidayCalendar) -> datetime:
    """The end of a limit that would end at ``due``, once a rest day at its end is skipped.

    The last day of the limit is the day ``due`` falls in (the day before, when ``due``
    is a midnight). If that day is a working day the limit keeps ``due``; otherwise it
    ends at the end of the first working day after it, so an adjusted working weekend
    day ends a limit and a holiday week does not ("期间的最后一日是法定休假日的，以法定
    休假日结束的次日为期间的最后一日", Civil Code Art. 203).
    """
    last = local_day(due - _INSTANT)
    if calendar.is_working_day(last):
        return due
    while not calendar.is_working_day(last):
        last += timedelta(days=1)
    return end_of_day(last)


def working_days_due(start: datetime, days: int, calendar: HolidayCalendar) -> datetime:
    """The end of a limit of ``days`` working days counted from ``start``."""
    day = local_day(start)
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            remaining -= 1
    return end_of_day(day)

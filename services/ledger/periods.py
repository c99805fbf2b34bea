"""Ledger periods: a day, an ISO week or a month, always in China Standard Time (+08:00).

A ledger counts a petition in the period in which it was *received* (event time), by the
bureau's own calendar: periods start at midnight in Beijing, not in UTC. A letter received
at 2026-11-30T17:00Z is 01:00 on December 1st in Beijing, so it is December's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Final

from schemas.ledger import PeriodKind

#: The bureau's clock: China Standard Time has no daylight saving time.
BEIJING: Final = timezone(timedelta(hours=8), "CST")

_DAY: Final = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WEEK: Final = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH: Final = re.compile(r"^(\d{4})-(\d{2})$")


class BadPeriodError(ValueError):
    """A period label that is not a day, ISO week or month."""


@dataclass(frozen=True, slots=True)
class Period:
    """One ledger period: its label (``2026-12-04``, ``2026-W49``, ``2026-12``) and bounds.

    ``start`` is inclusive and ``end`` exclusive, both at midnight +08:00.
    """

    kind: PeriodKind
    label: str
    start: datetime
    end: datetime

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=BEIJING)


def _day(day: date) -> Period:
    return Period(PeriodKind.DAY, day.isoformat(), _midnight(day), _midnight(day + timedelta(1)))


def _week(day: date) -> Period:
    year, week, weekday = day.isocalendar()
    monday = day - timedelta(days=weekday - 1)
    start = _midnight(monday)
    return Period(PeriodKind.WEEK, f"{year}-W{week:02d}", start, start + timedelta(days=7))


def _month(day: date) -> Period:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(PeriodKind.MONTH, f"{first:%Y-%m}", _midnight(first), _midnight(following))


_BY_KIND: Final = {PeriodKind.DAY: _day, PeriodKind.WEEK: _week, PeriodKind.MONTH: _month}


def period_of(kind: PeriodKind, instant: datetime) -> Period:
    """The period of this kind that holds ``instant`` (an aware time, read in +08:00)."""
    if instant.tzinfo is None:
        raise ValueError("a ledger time needs a time zone")
    return _BY_KIND[kind](instant.astimezone(BEIJING).date())


def periods_of(instant: datetime) -> tuple[Period, ...]:
    """The day, week and month that hold ``instant``."""
    return tuple(period_of(kind, instant) for kind in PeriodKind)


def parse_period(label: str) -> Period:
    """The period a label names: ``2026-12-04`` (day), ``2026-W49`` (week), ``2026-12`` (month).

    Raises :class:`BadPeriodError` saying which forms are accepted.
    """
    try:
        if match := _DAY.match(label):
            return _day(date(*map(int, match.groups())))
        if match := _WEEK.match(label):
            year, week = map(int, match.groups())
            return _week(date.fromisocalendar(year, week, 1))
        if match := _MONTH.match(label):
            year, month = map(int, match.groups())
            return _month(date(year, month, 1))
    except ValueError as exc:
        raise BadPeriodError(f"period {label!r}: {exc}") from None
    raise BadPeriodError(
        f"period {label!r} is not a day (2026-12-04), an ISO week (2026-W49) or a month (2026-12)"
    )

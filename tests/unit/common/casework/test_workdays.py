"""Day counting for the time limits: calendar days, working days, China Standard Time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.common.casework.holidays import shipped_calendar
from services.common.casework.workdays import (
    CHINA_TZ,
    calendar_days_due,
    days_taken,
    working_days_due,
)
from services.common.casework.workdays import roll_over_rest_days as roll_over

CALENDAR = shipped_calendar()
is_working_day = CALENDAR.is_working_day


def roll_over_rest_days(due: datetime) -> datetime:
    return roll_over(due, CALENDAR)


def cst(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CHINA_TZ)


def test_calendar_days_do_not_count_the_day_of_receipt() -> None:
    # Art. 22: received on 20 November, 15 days run to the end of 5 December.
    assert calendar_days_due(cst(2026, 11, 20, 10), 15) == cst(2026, 12, 6)


def test_days_are_counted_in_china_whatever_the_zone_of_the_event() -> None:
    # 20:00 UTC on 20 November is already 21 November in Beijing.
    received = datetime(2026, 11, 20, 20, tzinfo=UTC)
    assert calendar_days_due(received, 15) == cst(2026, 12, 7)


def test_the_days_a_span_took_are_its_calendar_days_in_china() -> None:
    # A hearing's days are not counted in the re-review limit, each whole (Art. 36).
    assert days_taken(cst(2026, 6, 1, 9), cst(2026, 6, 1, 10)) == [date(2026, 6, 1)]
    two = [date(2026, 6, 1), date(2026, 6, 2)]
    assert days_taken(cst(2026, 6, 1, 9), cst(2026, 6, 2, 9)) == two
    # Ending at midnight, it did not take the day that begins then.
    assert days_taken(cst(2026, 6, 1, 22), cst(2026, 6, 2)) == [date(2026, 6, 1)]
    # No length: the day it happened on.
    assert days_taken(cst(2026, 6, 1, 9), cst(2026, 6, 1, 9)) == [date(2026, 6, 1)]
    # 15:30-16:30 UTC is 23:30-00:30 in Beijing.
    utc = datetime(2026, 6, 1, 15, 30, tzinfo=UTC), datetime(2026, 6, 1, 16, 30, tzinfo=UTC)
    assert days_taken(*utc) == two
    assert len(days_taken(cst(2026, 6, 28, 9), cst(2026, 7, 6, 9))) == 9


def test_five_working_days_span_the_2026_national_day_holiday() -> None:
    # Art. 23: transferred Tuesday 29 September; 30 Sep is day 1, 1-7 October are the
    # National Day holiday, 8 and 9 October days 2 and 3, Saturday 10 October is an
    # adjusted working day (4), Sunday 11 is off, Monday 12 October is day 5.
    assert working_days_due(cst(2026, 9, 29, 15), 5, CALENDAR) == cst(2026, 10, 13)


def test_an_adjusted_working_sunday_counts_and_a_festival_friday_does_not() -> None:
    # Sunday 20 September 2026 is worked; Friday 25 September is Mid-Autumn Festival.
    assert is_working_day(date(2026, 9, 20))
    assert not is_working_day(date(2026, 9, 25))
    # Friday 18 September: 20, 21, 22, 23, 24 September.
    assert working_days_due(cst(2026, 9, 18, 9), 5, CALENDAR) == cst(2026, 9, 25)


def test_a_year_the_calendar_does_not_cover_counts_its_statutory_holidays() -> None:
    # 2099 is in no notice: Friday 2 January is worked, Thursday 1 January (New Year's
    # Day) and the weekend are not.
    assert not CALENDAR.covers(2099)
    assert is_working_day(date(2099, 1, 2))
    assert not is_working_day(date(2099, 1, 1))
    assert not is_working_day(date(2099, 1, 3))
    assert working_days_due(cst(2099, 1, 2, 9), 1, CALENDAR) == cst(2099, 1, 6)


# --- the last day of a calendar-day limit on a rest day (Civil Code Art. 203) --------------


def test_a_limit_ending_in_the_national_day_holiday_ends_with_the_first_working_day() -> None:
    # 1-8 October 2025 are off (National Day and Mid-Autumn): a limit whose last day is
    # Friday 3 October ends at the end of Thursday 9 October.
    assert roll_over_rest_days(cst(2025, 10, 4)) == cst(2025, 10, 10)


def test_a_limit_ending_on_an_adjusted_working_sunday_does_not_roll() -> None:
    # Sunday 28 September 2025 is worked (the National Day adjustment).
    assert roll_over_rest_days(cst(2025, 9, 29)) == cst(2025, 9, 29)
    # Saturday 14 February 2026 is worked before the Spring Festival; Sunday 15 is off
    # and the holiday runs to Monday 23 February.
    assert roll_over_rest_days(cst(2026, 2, 15)) == cst(2026, 2, 15)
    assert roll_over_rest_days(cst(2026, 2, 16)) == cst(2026, 2, 25)


def test_a_limit_ending_on_a_plain_weekend_ends_on_monday() -> None:
    assert roll_over_rest_days(cst(2026, 3, 22)) == cst(2026, 3, 24)  # last day Sat 21
    assert roll_over_rest_days(cst(2026, 3, 20)) == cst(2026, 3, 20)  # last day Thu 19


def test_a_limit_ending_during_a_day_ends_on_that_day() -> None:
    # A deadline that is not a midnight (no limit of the lifecycle has one): its last day
    # is the day it falls in.
    assert roll_over_rest_days(cst(2026, 3, 20, 5)) == cst(2026, 3, 20, 5)  # Friday
    assert roll_over_rest_days(cst(2026, 3, 21, 5)) == cst(2026, 3, 24)  # Saturday
    # Any zone: 22:00 UTC on Friday 20 March is Saturday 06:00 in Beijing.
    assert roll_over_rest_days(datetime(2026, 3, 20, 22, tzinfo=UTC)) == cst(2026, 3, 24)


def test_the_roll_over_outside_the_calendar_skips_weekends_and_statutory_holidays() -> None:
    assert not CALENDAR.covers(2099)
    assert roll_over_rest_days(cst(2099, 1, 4)) == cst(2099, 1, 6)  # last day Sat 3

"""The dates notices tell petitioners are the lifecycle's, counted by hand from the rules.

The shipped calendar: 2026-10-01..07 are the National Day holiday, 2026-10-10 (a
Saturday) is an adjusted working day, 2026-10-11 a Sunday.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.common.casework.holidays import shipped_calendar
from services.common.casework.ruleset import load_rules
from services.common.casework.told import LegalDates
from services.common.casework.workdays import CHINA_TZ

DATES = LegalDates.shipped()


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=CHINA_TZ)


@pytest.mark.parametrize(
    ("opinion", "last_day"),
    [
        ("2026-09-02", date(2026, 10, 8)),  # 30 days: 10-02, a holiday, rolls past the week
        ("2026-09-10", date(2026, 10, 10)),  # 10-10 is a Saturday worked: it ends there
        ("2026-09-11", date(2026, 10, 12)),  # 10-11, a Sunday, rolls to Monday
        ("2026-09-12", date(2026, 10, 12)),  # a working Monday: no roll-over
    ],
)
def test_review_request_and_rating_windows_roll_over_rest_days(
    opinion: str, last_day: date
) -> None:
    assert DATES.review_request(at(opinion)) == last_day
    assert DATES.re_review_request(at(opinion)) == last_day
    assert DATES.rating(at(opinion)) == last_day


def test_handling_counts_from_acceptance_and_an_extension_from_the_limits_own_last_day() -> None:
    # 2026-08-02 + 60 days = 2026-10-01, in the holiday week: the limit ends 2026-10-08.
    assert DATES.handling(at("2026-08-02")) == date(2026, 10, 8)
    # 2026-07-03 + 60 = 2026-09-01 (a Tuesday); 30 more days follow that day, not a
    # roll-over of it: 2026-10-01, which rolls to 2026-10-08.
    assert DATES.handling(at("2026-07-03")) == date(2026, 9, 1)
    assert DATES.handling(at("2026-07-03"), extension_days=30) == date(2026, 10, 8)


def test_the_rating_window_is_the_escalation_rules_not_a_notice_setting() -> None:
    rules = load_rules()
    assert rules.time_limits.rating.days == 30
    # A rule file with a shorter window moves the date in the notice with it.
    shorter = rules.time_limits.model_copy(
        update={"rating": rules.time_limits.rating.model_copy(update={"days": 15})}
    )
    dates = LegalDates(shorter, shipped_calendar(), roll_over=True)
    assert dates.rating(at("2026-09-12")) == date(2026, 9, 28)  # 09-27, a Sunday, rolls
    assert dates.rating(at("2026-09-13")) == date(2026, 9, 28)


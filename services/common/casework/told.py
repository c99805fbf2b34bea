"""The last days of the legal limits a petitioner is told of, counted as the lifecycle does.

Notification writes into a notice until when handling may take, until when a review (or
re-review) may be requested and until when the handling may be rated. The escalation
service enforces the same limits from the same rule file (``time_limits``) and holiday
calendar. Counting the dates here with the lifecycle's own arithmetic keeps the date in the
letter the date the clock enforces: a limit whose last day is a rest day ends on the next
working day (Civil Code Art. 203), and an extension's days follow the limit's own last day.
A hearing's pause is not known when the notice is written; the hearing's own notices tell it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from services.common.casework.holidays import HolidayCalendar, shipped_calendar
from services.common.casework.ruleset import EscalationRules, TimeLimits, load_rules
from services.common.casework.workdays import calendar_days_due, local_day, roll_over_rest_days

#: A deadline is the midnight after its last day; one instant before it is that day.
_INSTANT: Final = timedelta(microseconds=1)


@dataclass(frozen=True)
class LegalDates:
    """The last days of handling, of the review windows and of the rating window."""

    limits: TimeLimits
    calendar: HolidayCalendar
    roll_over: bool

    @classmethod
    def of(cls, rules: EscalationRules, calendar: HolidayCalendar) -> LegalDates:
        return cls(rules.time_limits, calendar, rules.clocks.roll_over_rest_days)

    @classmethod
    def shipped(cls) -> LegalDates:
        """The dates under the rule file and calendar shipped with the project."""
        return cls.of(load_rules(), shipped_calendar())

    def _last_day(self, limit_due: datetime) -> date:
        due = roll_over_rest_days(limit_due, self.calendar) if self.roll_over else limit_due
        return local_day(due - _INSTANT)

    def handling(self, accepted_at: datetime, extension_days: int = 0) -> date:
        """Handling's last day, from acceptance, with an extension's days (Art. 34)."""
        limit_due = calendar_days_due(accepted_at, self.limits.handling.days)
        return self._last_day(limit_due + timedelta(days=extension_days))

    def review_request(self, opinion_at: datetime) -> date:
        """The last day to request a review of the handling opinion (Art. 35)."""
        return self._last_day(calendar_days_due(opinion_at, self.limits.review_request.days))

    def re_review_request(self, opinion_at: datetime) -> date:
        """The last day to request a re-review of the review opinion (Art. 36)."""
        return self._last_day(calendar_days_due(opinion_at, self.limits.re_review_request.days))

    def rating(self, opinion_at: datetime) -> date:
        """The last day to rate an opinion; after it the case is "overdue, not rated"."""
        return self._last_day(calendar_days_due(opinion_at, self.limits.rating.days))

"""The time limits as they run on a case: deadlines that bind a body, windows that bound.

Every clock names its article and the body that owes it; ``due_at`` is the deadline in
force, after an extension, the hearing days not counted and a rest-day roll-over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from schemas.cases import AgencyLevel
from schemas.deadlines import DeadlineStep

#: A clock that was never paused.
NOT_PAUSED: Final = timedelta(0)


class ClockKind(StrEnum):
    """A deadline binds a body and escalates; a window only bounds what may still happen."""

    DEADLINE = "deadline"
    WINDOW = "window"


@dataclass(frozen=True)
class Clock:
    """One time limit as it ran on a case.

    ``started_at`` is what the limit counts from; ``active_from`` is when the clock took
    effect (later than ``started_at`` for an extended handling clock, Art. 34, and for a
    re-review clock running again after a hearing, Art. 36). ``limit_due`` is where the
    counted days end (an extension's days included); ``paused`` is the hearing time before
    ``active_from``, which is not counted: the calendar days in China on which a hearing
    took place, each whole (Art. 36); ``due_at`` is the deadline in force: ``limit_due``
    plus ``paused``, rolled over a rest day at its end when the rules say so.
    """

    step: DeadlineStep
    kind: ClockKind
    article: str
    started_at: datetime
    active_from: datetime
    due_at: datetime
    limit_due: datetime
    responsible_level: AgencyLevel
    responsible_agency: str | None
    stopped_at: datetime | None = None
    paused: timedelta = NOT_PAUSED

    def warn_at(self, share: float) -> datetime:
        """When ``share`` of the time that counts is used: the span from ``started_at`` to
        ``due_at`` (a rest-day roll-over included), the hearing days not counted."""
        counted = self.due_at - self.paused - self.started_at
        return self.started_at + self.paused + counted * share

    def running_at(self, moment: datetime) -> bool:
        """Whether the clock was running at ``moment`` (event time)."""
        return self.active_from <= moment and (self.stopped_at is None or moment < self.stopped_at)

    def open_at(self, moment: datetime) -> bool:
        """Whether the clock was running and not yet due at ``moment``."""
        return self.running_at(moment) and moment < self.due_at

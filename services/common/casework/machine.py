"""The mutable state of a fold: the clocks a case starts and stops as its updates arrive.

``Lifecycle`` is its frozen result; the transitions (``transitions.py``) change it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from schemas.cases import AgencyLevel
from schemas.deadlines import DeadlineStep
from services.common.casework.clocks import NOT_PAUSED, Clock, ClockKind
from services.common.casework.facts import CaseFacts
from services.common.casework.holidays import HolidayCalendar
from services.common.casework.lifecycle import (
    Hearing,
    RatingRecord,
    StageSpan,
    terminated_after_re_review,
)
from services.common.casework.ruleset import DayLimit, OpenStage, TimeLimits, level_above
from services.common.casework.status import CaseStatus
from services.common.casework.workdays import calendar_days_due, roll_over_rest_days


@dataclass
class Machine:
    """The mutable fold state; ``Lifecycle`` is its frozen result."""

    facts: CaseFacts
    limits: TimeLimits
    objection_prefixes: tuple[str, ...]
    roll_over: bool
    calendar: HolidayCalendar
    status: CaseStatus = CaseStatus.REGISTERED
    clocks: list[Clock] = field(default_factory=list)
    ratings: list[RatingRecord] = field(default_factory=list)
    extensions_used: int = 0
    settled_at: datetime | None = None
    hearings: list[Hearing] = field(default_factory=list)
    stages: list[StageSpan] = field(default_factory=list)
    #: The level of the body a transfer named (Art. 22), None while the case is with the
    #: body routing chose or back with the petition bureau: its deadlines, its review
    #: (Art. 35) and its supervision are reckoned from the body that handles it.
    transferred_level: AgencyLevel | None = None

    @property
    def handling_level(self) -> AgencyLevel:
        """The level of the body the case is with now."""
        return self.transferred_level or self.facts.level

    @property
    def terminated(self) -> bool:
        """After the re-review opinion the matter is terminated (Art. 36), closed or not."""
        return terminated_after_re_review(self.status, self.clocks)

    def due(self, limit_due: datetime, paused: timedelta = NOT_PAUSED) -> datetime:
        """The deadline in force of a calendar-day limit ending at ``limit_due``."""
        end = limit_due + paused
        # Civil Code Art. 203: a period whose last day is a rest day ends after it.
        return roll_over_rest_days(end, self.calendar) if self.roll_over else end

    def latest(self, step: DeadlineStep) -> Clock | None:
        """The last clock of ``step`` started so far."""
        return next((c for c in reversed(self.clocks) if c.step is step), None)

    def open_hearing(self) -> Hearing | None:
        """The hearing in progress, if any."""
        last = self.hearings[-1] if self.hearings else None
        return last if last is not None and last.ended_at is None else None

    def end_hearing(self, at: datetime) -> None:
        """End the hearing in progress, if any, at ``at``."""
        hearing = self.open_hearing()
        if hearing is not None:
            self.hearings[-1] = replace(hearing, ended_at=at)

    def open(self, step: DeadlineStep, moment: datetime) -> Clock | None:
        """The clock of ``step`` that is running and not yet due at ``moment``."""
        return next(
            (c for c in reversed(self.clocks) if c.step is step and c.open_at(moment)), None
        )

    def start(
        self,
        step: DeadlineStep,
        kind: ClockKind,
        at: datetime,
        limit: DayLimit,
        levels_up: int = 0,
        agency: str | None = None,
    ) -> None:
        limit_due = calendar_days_due(at, limit.days)
        self.clocks.append(
            Clock(
                step=step,
                kind=kind,
                article=limit.article,
                started_at=at,
                active_from=at,
                due_at=self.due(limit_due),
                limit_due=limit_due,
                responsible_level=level_above(self.handling_level, levels_up),
                responsible_agency=agency,
            )
        )

    def stop(self, at: datetime, *steps: DeadlineStep) -> None:
        self.clocks = [
            replace(c, stopped_at=at) if c.step in steps and c.stopped_at is None else c
            for c in self.clocks
        ]

    def enter(self, stage: OpenStage, at: datetime) -> None:
        """The matter waits for an opinion again, from ``at``."""
        self.stages.append(StageSpan(stage, at))

    def leave(self, at: datetime) -> None:
        """The open stage, if any, ends at ``at`` with an opinion or a decision."""
        if self.stages and self.stages[-1].ended_at is None:
            self.stages[-1] = replace(self.stages[-1], ended_at=at)

    def settle(self, status: CaseStatus, at: datetime) -> None:
        self.leave(at)
        self.status = status
        if self.settled_at is None:
            self.settled_at = at

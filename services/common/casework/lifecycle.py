"""The case lifecycle: a state machine over the updates agencies publish on cases.updates.

``fold`` replays a case's updates in event-time order and yields its ``Lifecycle``: the
status, every clock that was started (and when it stopped), the ratings. An update that
the current status does not allow is refused with a named ``RejectionReason``. The
functions here are pure; ``services.escalation.engine`` stores and schedules.

    registered ──transferred/assigned──► transferred ──accepted──► accepted ──replied──► replied
        │  ▲                                │   │                    │ extended (once)   │
        │  └────── objection to competence ─┘   └─not_accepted─┐     ▼                   │
        └──accepted / not_accepted (competent body received it)│   extended ──replied──►─┤
                                                               ▼                         │
    replied ──review_requested──► review_requested ──review_decided──► review_decided    │
    review_decided ──re_review_requested──► re_review_requested ──re_review_decided──►   │
    re_review_decided (the matter is terminated, Art. 36) ──terminated──► terminated     │
    replied, review_decided, re_review_decided, terminated, not_accepted ──closed──► closed
    rated: whenever an opinion's rating window is open, in any status.
    re_review_requested: hearing_started ──► (hearing) ──hearing_ended──► re_review_requested;
        the re-review clock is paused during the hearing (Art. 36); a re-review opinion
        given during a hearing ends it.

Calendar-day limits roll over a rest day at their end when the rules say so
(``clocks.roll_over_rest_days``, ``workdays.roll_over_rest_days``), on the holiday calendar
given to ``fold``.

Every clock names its article and the body that owes it. A case that routing left with the
region's petition bureau starts the bureau's transfer clock (Art. 22); a case routed straight
to the competent body starts that body's acceptance notice (Art. 23) from receipt. The body
that accepts owes the handling (Art. 34); the next-higher body the review opinion (Art. 35),
the one above it the re-review opinion (Art. 36). ``Lifecycle.stages`` records when the
matter waited for an opinion (handling, review, re-review), which is what makes a backlog case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.base import AwareDatetime
from schemas.cases import AgencyLevel, CaseUpdate, Rating, UpdateKind
from schemas.deadlines import DeadlineStep
from services.common.casework.holidays import HolidayCalendar, shipped_calendar
from services.common.casework.risk import RiskHit
from services.common.casework.ruleset import (
    DayLimit,
    EscalationRules,
    OpenStage,
    TimeLimits,
    level_above,
)
from services.common.casework.workdays import (
    calendar_days_due,
    roll_over_rest_days,
    working_days_due,
)

#: A clock that was never paused.
NOT_PAUSED: Final = timedelta(0)


class CaseStatus(StrEnum):
    """Where a case stands in its lifecycle."""

    REGISTERED = "registered"
    TRANSFERRED = "transferred"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    EXTENDED = "extended"
    REPLIED = "replied"
    REVIEW_REQUESTED = "review_requested"
    REVIEW_DECIDED = "review_decided"
    RE_REVIEW_REQUESTED = "re_review_requested"
    RE_REVIEW_DECIDED = "re_review_decided"
    TERMINATED = "terminated"
    CLOSED = "closed"


class RejectionReason(StrEnum):
    """Why an update was refused. Closed: it is also a metric label and the DLQ detail."""

    UNKNOWN_CASE = "unknown_case"
    LINKED_TO_OPEN_CASE = "linked_to_open_case"
    UPDATE_ID_REUSED = "update_id_reused"
    BEFORE_RECEIPT = "before_receipt"
    TOO_LATE = "too_late"
    CONFLICTS_WITH_LATER_UPDATE = "conflicts_with_later_update"
    NOT_ALLOWED_IN_STATUS = "not_allowed_in_status"
    CASE_CLOSED = "case_closed"
    OBJECTION_WINDOW_CLOSED = "objection_window_closed"
    EXTENSION_WITHOUT_REASON = "extension_without_reason"
    EXTENSION_WITHOUT_DAYS = "extension_without_days"
    EXTENSION_TOO_LONG = "extension_too_long"
    EXTENSION_ALREADY_USED = "extension_already_used"
    EXTENSION_AFTER_DEADLINE = "extension_after_deadline"
    REVIEW_WINDOW_CLOSED = "review_window_closed"
    RE_REVIEW_WINDOW_CLOSED = "re_review_window_closed"
    MATTER_TERMINATED = "matter_terminated"
    TERMINATION_BEFORE_RE_REVIEW = "termination_before_re_review"
    CLOSE_WHILE_DISSATISFIED = "close_while_dissatisfied"
    RATING_MISSING = "rating_missing"
    NOTHING_TO_RATE = "nothing_to_rate"
    ALREADY_RATED = "already_rated"
    RATING_WINDOW_CLOSED = "rating_window_closed"
    HEARING_NOT_STARTED = "hearing_not_started"
    HEARING_IN_PROGRESS = "hearing_in_progress"
    HEARING_AFTER_DEADLINE = "hearing_after_deadline"


#: Refusals that an earlier update, still on its way, may cure: such an update is held
#: for the reorder tolerance rather than refused at once. A hearing's end may overtake its
#: start, a second hearing the end of the first, and a hearing that earlier hearings make
#: fall within the re-review limit may overtake them.
AWAITS_PREDECESSOR: frozenset[RejectionReason] = frozenset(
    {
        RejectionReason.NOT_ALLOWED_IN_STATUS,
        RejectionReason.NOTHING_TO_RATE,
        RejectionReason.TERMINATION_BEFORE_RE_REVIEW,
        RejectionReason.HEARING_NOT_STARTED,
        RejectionReason.HEARING_IN_PROGRESS,
        RejectionReason.HEARING_AFTER_DEADLINE,
    }
)


class RatingStatus(StrEnum):
    """The petitioner's rating of the latest opinion, as of a given time."""

    NO_OPINION_YET = "no_opinion_yet"
    AWAITING = "awaiting"
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"
    OVERDUE_NOT_RATED = "overdue_not_rated"


class CaseFacts(BaseModel):
    """What the engine knows of a case from dedup's verdict (and the registered case)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    matter_id: str
    received_at: AwareDatetime = Field(description="the verdict's event time")
    region_code: str
    level: AgencyLevel = Field(description="level of the competent agency, or the default")
    agency_code: str | None = None
    linked_to: str | None = Field(default=None, description="the open case a repeat joins")
    with_bureau: bool = Field(
        default=True,
        description=(
            "routing left the case with the region's petition bureau, which registers and "
            "transfers or assigns it (Art. 22); False: routed straight to the competent body "
            "``agency_code``, which owes the petitioner the acceptance notice (Art. 23). A "
            "case stored before this was known started with the bureau's clock, so True"
        ),
    )
    repeat_count: int = Field(
        ge=0, description="earlier petitions of the same petitioner(s) on the matter"
    )
    makes_collective: bool = False
    risk_hits: tuple[RiskHit, ...] = Field(
        default=(), description="risk-to-life words found, with their rule (Art. 25)"
    )

    @model_validator(mode="before")
    @classmethod
    def _upcast_risk_terms(cls, data: Any) -> Any:
        # Cases stored before risk rules had names carry the bare words of the one keyword
        # list as risk_terms; they read as hits of a rule named "keywords".
        if isinstance(data, dict) and "risk_terms" in data:
            upcast = {key: value for key, value in data.items() if key != "risk_terms"}
            upcast["risk_hits"] = [{"rule": "keywords", "word": w} for w in data["risk_terms"]]
            return upcast
        return data


@dataclass(frozen=True)
class StageSpan:
    """When a case entered an open stage and, once it has, when it left it."""

    stage: OpenStage
    started_at: datetime
    ended_at: datetime | None = None


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
    ``active_from``, which is not counted; ``due_at`` is the deadline in force: ``limit_due``
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
        ``due_at`` (a rest-day roll-over included), hearing time not counted."""
        counted = self.due_at - self.paused - self.started_at
        return self.started_at + self.paused + counted * share

    def running_at(self, moment: datetime) -> bool:
        """Whether the clock was running at ``moment`` (event time)."""
        return self.active_from <= moment and (self.stopped_at is None or moment < self.stopped_at)

    def open_at(self, moment: datetime) -> bool:
        """Whether the clock was running and not yet due at ``moment``."""
        return self.running_at(moment) and moment < self.due_at


@dataclass(frozen=True)
class RatingRecord:
    """A rating of the ``opinion``-th opinion (1 = the reply, then review, re-review)."""

    opinion: int
    rating: Rating
    rated_at: datetime


@dataclass(frozen=True)
class Hearing:
    """A hearing (听证) of the re-reviewing body; its time is not counted (Art. 36).

    ``ended_at`` is None while it runs; a re-review opinion given during it ends it.
    """

    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class Lifecycle:
    """A case after all its accepted updates, in event-time order."""

    status: CaseStatus
    clocks: tuple[Clock, ...]
    ratings: tuple[RatingRecord, ...]
    extensions_used: int
    settled_at: datetime | None
    last_event_at: datetime
    hearings: tuple[Hearing, ...] = ()
    stages: tuple[StageSpan, ...] = ()

    @property
    def terminated(self) -> bool:
        """After a re-review opinion the matter is terminated (Art. 36)."""
        # A case leaves re_review_requested only with the re-review opinion, so a closed
        # case that had a re-review clock was closed after the opinion.
        return self.status in (CaseStatus.RE_REVIEW_DECIDED, CaseStatus.TERMINATED) or (
            self.status is CaseStatus.CLOSED
            and self.latest(DeadlineStep.RE_REVIEW_DECISION) is not None
        )

    def latest(self, step: DeadlineStep) -> Clock | None:
        """The last clock of ``step`` started on the case."""
        return next((c for c in reversed(self.clocks) if c.step is step), None)

    def rating_status(self, now: datetime) -> RatingStatus:
        """The rating of the latest opinion as of ``now``: rated, awaited or overdue."""
        window = self.latest(DeadlineStep.RATING)
        if window is None:
            return RatingStatus.NO_OPINION_YET
        opinion = sum(1 for c in self.clocks if c.step is DeadlineStep.RATING)
        rated = next((r for r in self.ratings if r.opinion == opinion), None)
        if rated is not None:
            return RatingStatus(rated.rating.value)
        if now >= window.due_at:
            return RatingStatus.OVERDUE_NOT_RATED
        return RatingStatus.AWAITING


@dataclass(frozen=True)
class Refusal:
    """An update the lifecycle does not allow, and why."""

    reason: RejectionReason
    detail: str


@dataclass(frozen=True)
class FoldFailure:
    """``fold`` stopped at ``updates[index]``."""

    index: int
    refusal: Refusal


@dataclass
class _Machine:
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
                responsible_level=level_above(self.facts.level, levels_up),
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


def _not_allowed(machine: _Machine, update: CaseUpdate) -> Refusal:
    return Refusal(
        RejectionReason.NOT_ALLOWED_IN_STATUS,
        f"{update.kind.value} is not allowed while the case is {machine.status.value}",
    )


def _require(machine: _Machine, update: CaseUpdate, *allowed: CaseStatus) -> Refusal | None:
    return None if machine.status in allowed else _not_allowed(machine, update)


def _start_transfer(machine: _Machine, at: datetime, bureau: str | None) -> None:
    # Art. 22: the petition bureau transfers or assigns within 15 days of receipt.
    machine.start(
        DeadlineStep.TRANSFER, ClockKind.DEADLINE, at, machine.limits.transfer, agency=bureau
    )


def _competent_body(machine: _Machine) -> str | None:
    """The body a transfer goes to: the routed agency, unless routing left the case with
    the petition bureau (the update names who transferred it, not to whom)."""
    return None if machine.facts.with_bureau else machine.facts.agency_code


def _start_acceptance(machine: _Machine, at: datetime) -> None:
    # Art. 23: the competent body tells the petitioner in writing within 15 days of
    # receiving the matter whether it accepts it.
    machine.start(
        DeadlineStep.ACCEPTANCE,
        ClockKind.DEADLINE,
        at,
        machine.limits.acceptance,
        agency=_competent_body(machine),
    )


def _transferred(machine: _Machine, update: CaseUpdate) -> Refusal | None:
    refusal = _require(machine, update, CaseStatus.REGISTERED)
    if refusal is not None:
        return refusal
    at = update.occurred_at
    limits = machine.limits
    # A case routed straight to its body may still be transferred or assigned formally:
    # the body's 15 days then run from receiving the transfer.
    machine.stop(at, DeadlineStep.TRANSFER, DeadlineStep.ACCEPTANCE)
    # Art. 23: acceptance within 15 days of receiving the transfer; an objection to
    # competence within 5 working days of it.
    _start_acceptance(machine, at)
    objection = limits.competence_objection
    # Counted in working days, so it never ends on a rest day: no roll-over.
    objection_due = working_days_due(at, objection.working_days, machine.calendar)
    machine.clocks.append(
        Clock(
            step=DeadlineStep.COMPETENCE_OBJECTION,
            kind=ClockKind.WINDOW,
            article=objection.article,
            started_at=at,
            active_from=at,
            due_at=objection_due,
            limit_due=objection_due,
            responsible_level=machine.facts.level,
            responsible_agency=_competent_body(machine),
        )
    )
    machine.status = CaseStatus.TRANSFERRED
    return None


def _accepted(machine: _Machine, update: CaseUpdate) -> Refusal | None:
    # A body that received the petition itself may accept it without a transfer.
    refusal = _require(machine, update, CaseStatus.REGISTERED, CaseStatus.TRANSFERRED)
    if refusal is not None:
        return refusal
    at = update.occurred_at
    machine.stop(
        at, DeadlineStep.TRANSFER, DeadlineStep.ACCEPTANCE, DeadlineStep.COMPETENCE_OBJECTION
    )
    # Art. 34: the body that accepted the matter finishes handling it within 60 days.
    machine.start(
        DeadlineStep.HANDLING,
        ClockKind.DEADLINE,
        at,
        machine.limits.handling,
        agency=update.agency_code,
    )
    machine.status = CaseStatus.ACCEPTED
    return None


def is_competence_objection(update: CaseUpdate, prefixes: Sequence[str]) -> bool:
    """Whether a not_accepted update is an objection to competence (Art. 23)."""
    reason = (update.reason or "").strip()
    return update.kind is UpdateKind.NOT_ACCEPTED and reason.startswith(tuple(prefixes))


def _not_accepted(machine: _Machine, update: CaseUpdate, bureau: str) -> Refusal | None:
    refusal = _require(machine, update, CaseStatus.REGISTERED, CaseStatus.TRANSFERRED)
    if refusal is not None:
        return refusal
    at = update.occurred_at
    if is_competence_objection(update, machine.objection_prefixes):
        if machine.status is not CaseStatus.TRANSFERRED:
            return _not_allowed(machine, update)
        window = machine.open(DeadlineStep.COMPETENCE_OBJECTION, at)
        if window is None:
            return Refusal(
                RejectionReason.OBJECTION_WINDOW_CLOSED,
                "an objection to competence is due within "
                f"{machine.limits.competence_objection.working_days} working days (Art. 23)",
            )
        machine.stop(at, DeadlineStep.ACCEPTANCE, DeadlineStep.COMPETENCE_OBJECTION)
        # The matter goes back to the petition bureau, which transfers it again; its
        # Art. 22 limit restarts from the objection (local practice).
        _start_transfer(machine, at, bureau)
        machine.status = CaseStatus.REGISTERED
        return None
    machine.stop(
        at, DeadlineStep.TRANSFER, DeadlineStep.ACCEPTANCE, DeadlineStep.COMPETENCE_OBJECTION
    )
    machine.settle(CaseStatus.NOT_ACCEPTED, at)
    return None


def _extended(machine: _Machine, update: CaseUpdate) -> Refusal | None:
    refusal = _require(machine, update, CaseStatus.ACCEPTED, CaseStatus.EXTENDED)
    if refusal is not None:
        return refusal
    limit = machine.limits.extension
    at = update.occurred_at
    # Art. 34: one extension of at most 30 days, approved, the petitioner told why.
    if machine.extensions_used >= limit.max_count:
        return Refusal(
            RejectionReason.EXTENSION_ALREADY_USED,
            f"at most {limit.max_count} extension(s) of handling ({limit.article})",
        )
    if not (update.reason or "").strip():
        return Refusal(
            RejectionReason.EXTENSION_WITHOUT_REASON,
            f"an extension must tell the petitioner why ({limit.article})",
        )
    if update.extension_days is None:
        return Refusal(RejectionReason.EXTENSION_WITHOUT_DAYS, "extension_days is required")
    if update.extension_days > limit.max_days:
        return Refusal(
            RejectionReason.EXTENSION_TOO_LONG,
            f"{update.extension_days} days; at most {limit.max_days} ({limit.article})",
        )
    handling = machine.open(DeadlineStep.HANDLING, at)
    if handling is None:
        return Refusal(
            RejectionReason.EXTENSION_AFTER_DEADLINE,
            f"an extension must be granted before handling is due ({limit.article})",
        )
    machine.stop(at, DeadlineStep.HANDLING)
    # The extension lengthens the limit itself: its days follow the limit's own last day,
    # not a rest-day roll-over of it, and the longer limit may roll over in turn.
    limit_due = handling.limit_due + timedelta(days=update.extension_days)
    machine.clocks.append(
        replace(
            handling,
            active_from=at,
            due_at=machine.due(limit_due),
            limit_due=limit_due,
            stopped_at=None,
        )
    )
    machine.extensions_used += 1
    machine.status = CaseStatus.EXTENDED
    return None


def _opinion(machine: _Machine, at: datetime) -> None:
    """A written opinion opens a new rating window and supersedes the previous one."""
    machine.stop(at, DeadlineStep.RATING)
    machine.start(DeadlineStep.RATING, ClockKind.WINDOW, at, machine.limits.rating)


def _replied(machine: _Machine, update: CaseUpdate) -> Refusal | None:
    refusal = _require(machine, update, CaseStatus.ACCEPTED, CaseStatus.EXTENDED)
    if refusal is not None:
        return refusal
    at = update.occurred_at
    machine.stop(at, DeadlineStep.HANDLING)
    # Art. 35: the petitioner may request a review within 30 days of the reply.
    machine.start(DeadlineStep.REVIEW_REQUEST, ClockKind.WINDOW, at, machine.limits.review_request)
    _opinion(machine, at)
    machine.leave(at)
    machine.status = CaseStatus.REPLIED
    return None


def _review_requested(machine: _Machine, update: CaseUpdate) -> Refusal | None:
    if machine.status is CaseStatus.REVIEW_DECIDED:
        return Refusal(
            RejectionReason.NOT_ALLOWED_IN_STATUS,
            "the review is decided; the next step is a re-review (Art. 36)",
        )
    refusal = _require(machine, update, CaseStatus.REPLIED)
    if refusal is not None:
        return refusal
    at = update.occurred_at
    if machine.open(DeadlineStep.REVIEW_REQUEST, at) is None:
        return Refusal(
            RejectionReason.REVIEW_WINDOW_CLOSED,
            f"a review is requested within {machine.limits.review_request.days} days "
            f"of the reply ({machine.limits.review_request.article})",
        )
    machine.stop(at, DeadlineStep.REVIEW_REQUEST)
    # Art. 35: the next-higher body gives its review opinion within 30 days.
    machine.start(
        DeadlineStep.REVIEW_DECISION,
        ClockKind.DEADLINE,
        at,
        machine.limits.review_decision,
        levels_up=1,
    )
    machine.enter(OpenStage.REVIEW, at)
    machine.status = CaseStatus.REVIEW_REQUESTED
    return None


def _review_decided(machine: _Machine, update: CaseUpdate) -> Refusal | None:
    refusal = _require(machine, update, CaseStatus.REVIEW_REQUESTED)
    if refusal is not None:
        return refusal
    at = update.occurred_at
    machine.stop(at, DeadlineStep.REVIEW_DECISION)
    # Art. 36: a re-review may be requested within 30 days of the review opinion.
    machine.start(
        DeadlineStep.RE_REVIEW_REQUEST, ClockKind.WINDOW, at, machine.limits.re_review_request
    )
    _opinion(machine, at)
    machine.leave(at)
    machine.status = CaseStatus.REVIEW_DECIDED
    return None


def _re_review_requested(machine: _Machine, update: CaseUpdate) -> Refusal | None:
    refusal = _require(machine, update, CaseStatus.REVIEW_DECIDED)
    if refusal is not None:
        return refusal
    at = update.occurred_at
    if machine.open(DeadlineStep.RE_REVIEW_REQUEST, at) is None:
        return Refusal(
            RejectionReason.RE_REVIEW_WINDOW_CLOSED,
            f"a re-review is requested within {machine.limits.re_review_request.days} days "
            f"of the review opinion ({machine.limits.re_review_request.article})",
        )
    machine.stop(at, DeadlineStep.RE_REVIEW_REQUEST)
    # Art. 36: the body one level higher again decides within 30 days.
    machine.start(
        DeadlineStep.RE_REVIEW_DECISION,
        ClockKind.DEADLINE,
        at,
        machine.limits.re_review_decision,
        levels_up=2,
    )
    machine.enter(OpenStage.RE_REVIEW, at)
    machine.status = CaseStatus.RE_REVIEW_REQUESTED
    return None


def _hearing_started(machine: _Machine, update: CaseUpdate) -> Refusal | None:
    refusal = _require(machine, update, CaseStatus.RE_REVIEW_REQUESTED)
    if refusal is not None:
        return refusal
    at = update.occurred_at
    hearing = machine.open_hearing()
    if hearing is not None:
        return Refusal(
            RejectionReason.HEARING_IN_PROGRESS,
            f"a hearing is in progress since {hearing.started_at.isoformat()}; "
            "it ends before another starts",
        )
    if machine.open(DeadlineStep.RE_REVIEW_DECISION, at) is None:
        return Refusal(
            RejectionReason.HEARING_AFTER_DEADLINE,
            "the re-review limit has run out: a hearing no longer pauses it "
            f"({machine.limits.re_review_decision.article})",
        )
    # Art. 36: hearing time is not counted in the re-review limit, so its clock stops
    # (no warning, no breach) until the hearing ends.
    machine.stop(at, DeadlineStep.RE_REVIEW_DECISION)
    machine.hearings.append(Hearing(started_at=at))
    return None


def _hearing_ended(machine: _Machine, update: CaseUpdate) -> Refusal | None:
    refusal = _require(machine, update, CaseStatus.RE_REVIEW_REQUESTED)
    if refusal is not None:
        return refusal
    at = update.occurred_at
    hearing = machine.open_hearing()
    # A hearing starts only on a running re-review clock, which it stopped.
    paused = machine.latest(DeadlineStep.RE_REVIEW_DECISION)
    if hearing is None or paused is None:
        return Refusal(
            RejectionReason.HEARING_NOT_STARTED,
            "no hearing is in progress on the re-review (hearing_started comes first)",
        )
    machine.end_hearing(at)
    # The clock runs again; the deadline and the warning move later by the hearing.
    not_counted = paused.paused + (at - hearing.started_at)
    machine.clocks.append(
        replace(
            paused,
            active_from=at,
            due_at=machine.due(paused.limit_due, not_counted),
            paused=not_counted,
            stopped_at=None,
        )
    )
    return None


def _re_review_decided(machine: _Machine, update: CaseUpdate) -> Refusal | None:
    refusal = _require(machine, update, CaseStatus.RE_REVIEW_REQUESTED)
    if refusal is not None:
        return refusal
    at = update.occurred_at
    # An opinion given during a hearing ends it; the paused clock is already stopped.
    machine.end_hearing(at)
    machine.stop(at, DeadlineStep.RE_REVIEW_DECISION)
    _opinion(machine, at)
    # Art. 36: after the re-review the matter is terminated (three-level termination).
    machine.settle(CaseStatus.RE_REVIEW_DECIDED, at)
    return None


def _terminated(machine: _Machine, update: CaseUpdate) -> Refusal | None:
    if machine.status is not CaseStatus.RE_REVIEW_DECIDED:
        return Refusal(
            RejectionReason.TERMINATION_BEFORE_RE_REVIEW,
            "a matter is terminated only after its re-review opinion (Art. 36)",
        )
    machine.settle(CaseStatus.TERMINATED, update.occurred_at)
    return None


def _closed(machine: _Machine, update: CaseUpdate) -> Refusal | None:
    refusal = _require(
        machine,
        update,
        CaseStatus.REPLIED,
        CaseStatus.REVIEW_DECIDED,
        CaseStatus.RE_REVIEW_DECIDED,
        CaseStatus.TERMINATED,
        CaseStatus.NOT_ACCEPTED,
    )
    if refusal is not None:
        return refusal
    at = update.occurred_at
    opinion = sum(1 for c in machine.clocks if c.step is DeadlineStep.RATING)
    dissatisfied = any(
        r.opinion == opinion and r.rating is Rating.DISSATISFIED for r in machine.ratings
    )
    review_open = any(
        machine.open(step, at) is not None
        for step in (DeadlineStep.REVIEW_REQUEST, DeadlineStep.RE_REVIEW_REQUEST)
    )
    if dissatisfied and review_open:
        # DOMAIN.md: never close while the petitioner is dissatisfied without review.
        return Refusal(
            RejectionReason.CLOSE_WHILE_DISSATISFIED,
            "the petitioner is dissatisfied and may still request a review (Art. 35, 36)",
        )
    machine.stop(at, DeadlineStep.REVIEW_REQUEST, DeadlineStep.RE_REVIEW_REQUEST)
    machine.settle(CaseStatus.CLOSED, at)
    return None


def _rated(machine: _Machine, update: CaseUpdate) -> Refusal | None:
    if update.rating is None:
        return Refusal(RejectionReason.RATING_MISSING, "a rated update carries a rating")
    at = update.occurred_at
    window = machine.latest(DeadlineStep.RATING)
    if window is None or at < window.active_from:
        return Refusal(RejectionReason.NOTHING_TO_RATE, "no opinion has been given yet")
    opinion = sum(1 for c in machine.clocks if c.step is DeadlineStep.RATING)
    if any(r.opinion == opinion for r in machine.ratings):
        return Refusal(RejectionReason.ALREADY_RATED, f"opinion {opinion} is already rated")
    if not window.open_at(at):
        return Refusal(
            RejectionReason.RATING_WINDOW_CLOSED,
            f"ratings are given within {machine.limits.rating.days} days of the opinion; "
            "it is overdue, not rated",
        )
    machine.stop(at, DeadlineStep.RATING)
    machine.ratings.append(RatingRecord(opinion, update.rating, at))
    return None


def _apply(machine: _Machine, update: CaseUpdate, bureau: str) -> Refusal | None:
    kind = update.kind
    if machine.status is CaseStatus.CLOSED and kind is not UpdateKind.RATED:
        return Refusal(RejectionReason.CASE_CLOSED, f"{kind.value} after the case was closed")
    if machine.status in (CaseStatus.RE_REVIEW_DECIDED, CaseStatus.TERMINATED) and kind in (
        UpdateKind.REVIEW_REQUESTED,
        UpdateKind.RE_REVIEW_REQUESTED,
    ):
        return Refusal(
            RejectionReason.MATTER_TERMINATED,
            "after the re-review the same facts and reasons are not accepted again (Art. 36)",
        )
    if kind in (UpdateKind.TRANSFERRED, UpdateKind.ASSIGNED):
        return _transferred(machine, update)
    if kind is UpdateKind.ACCEPTED:
        return _accepted(machine, update)
    if kind is UpdateKind.NOT_ACCEPTED:
        return _not_accepted(machine, update, bureau)
    if kind is UpdateKind.EXTENDED:
        return _extended(machine, update)
    if kind is UpdateKind.REPLIED:
        return _replied(machine, update)
    if kind is UpdateKind.REVIEW_REQUESTED:
        return _review_requested(machine, update)
    if kind is UpdateKind.REVIEW_DECIDED:
        return _review_decided(machine, update)
    if kind is UpdateKind.RE_REVIEW_REQUESTED:
        return _re_review_requested(machine, update)
    if kind is UpdateKind.HEARING_STARTED:
        return _hearing_started(machine, update)
    if kind is UpdateKind.HEARING_ENDED:
        return _hearing_ended(machine, update)
    if kind is UpdateKind.RE_REVIEW_DECIDED:
        return _re_review_decided(machine, update)
    if kind is UpdateKind.TERMINATED:
        return _terminated(machine, update)
    if kind is UpdateKind.CLOSED:
        return _closed(machine, update)
    return _rated(machine, update)


def fold(
    facts: CaseFacts,
    updates: Sequence[CaseUpdate],
    rules: EscalationRules,
    calendar: HolidayCalendar | None = None,
) -> Lifecycle | FoldFailure:
    """The lifecycle after ``updates``, which must be in event-time order.

    Stops at the first update the lifecycle refuses. Deterministic: the same facts,
    updates and holiday calendar (the shipped one by default) always give the same
    clocks, so deadlines and their ids never drift.
    """
    # The petition bureau of the case's region and level: the routed agency when routing
    # chose the bureau (its own code, e.g. a 信访办), else the rule file's bureau code.
    bureau = (
        facts.agency_code
        if facts.with_bureau and facts.agency_code is not None
        else rules.targets.bureau(facts.region_code, facts.level)
    )
    machine = _Machine(
        facts=facts,
        limits=rules.time_limits,
        objection_prefixes=rules.time_limits.competence_objection.reason_prefixes,
        roll_over=rules.clocks.roll_over_rest_days,
        calendar=calendar or shipped_calendar(),
    )
    if facts.linked_to is None:
        machine.enter(OpenStage.HANDLING, facts.received_at)
    if facts.linked_to is None and facts.with_bureau:
        _start_transfer(machine, facts.received_at, bureau)
    elif facts.linked_to is None:
        _start_acceptance(machine, facts.received_at)
    for index, update in enumerate(updates):
        refusal = _apply(machine, update, bureau)
        if refusal is not None:
            return FoldFailure(index, refusal)
    return Lifecycle(
        status=machine.status,
        clocks=tuple(machine.clocks),
        ratings=tuple(machine.ratings),
        extensions_used=machine.extensions_used,
        settled_at=machine.settled_at,
        last_event_at=max([facts.received_at, *(u.occurred_at for u in updates)]),
        hearings=tuple(machine.hearings),
        stages=tuple(machine.stages),
    )


def step_duration(
    facts: CaseFacts, lifecycle: Lifecycle, update: CaseUpdate
) -> tuple[UpdateKind, timedelta] | None:
    """How long an accepted or replied update took, in event time, for the histograms:
    acceptance from receipt (Art. 23), the reply from acceptance (Art. 34)."""
    if update.kind is UpdateKind.ACCEPTED:
        return update.kind, update.occurred_at - facts.received_at
    handling = lifecycle.latest(DeadlineStep.HANDLING)
    if update.kind is UpdateKind.REPLIED and handling is not None:
        return update.kind, update.occurred_at - handling.started_at
    return None

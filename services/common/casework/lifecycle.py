"""A case after its updates: the status, the clocks, the ratings, hearings and open stages.

``services.common.casework.fold.fold`` builds a ``Lifecycle``; escalation, the gateway and
the histograms read it. ``Lifecycle.stages`` records when the matter waited for an opinion
(handling, review, re-review), which is what makes a backlog case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from schemas.cases import AgencyLevel, CaseUpdate, Rating, UpdateKind
from schemas.deadlines import DeadlineStep
from services.common.casework.clocks import Clock
from services.common.casework.facts import CaseFacts
from services.common.casework.ruleset import OpenStage
from services.common.casework.status import CaseStatus, RatingStatus


@dataclass(frozen=True)
class StageSpan:
    """When a case entered an open stage and, once it has, when it left it."""

    stage: OpenStage
    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class RatingRecord:
    """A rating of the ``opinion``-th opinion (1 = the reply, then review, re-review)."""

    opinion: int
    rating: Rating
    rated_at: datetime


@dataclass(frozen=True)
class Hearing:
    """A hearing (听证) of the re-reviewing body; its time is not counted (Art. 36): the
    calendar days in China on which it took place, each whole.

    ``ended_at`` is None while it runs; a re-review opinion given during it ends it.
    """

    started_at: datetime
    ended_at: datetime | None = None


def terminated_after_re_review(status: CaseStatus, clocks: Sequence[Clock]) -> bool:
    """Whether a case in ``status`` with ``clocks`` has had its re-review opinion: the matter
    is terminated (Art. 36), and the same facts and reasons are not accepted again, whether
    the case was then terminated, closed, or neither yet."""
    # A case leaves re_review_requested only with the re-review opinion, so a closed case
    # that had a re-review clock was closed after the opinion.
    return status in (CaseStatus.RE_REVIEW_DECIDED, CaseStatus.TERMINATED) or (
        status is CaseStatus.CLOSED
        and any(c.step is DeadlineStep.RE_REVIEW_DECISION for c in clocks)
    )


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
    #: The level of the body a transfer named, None while the case is with routing's body
    #: or the petition bureau (``handling_level`` says which level handles it).
    transferred_level: AgencyLevel | None = None

    def handling_level(self, facts_level: AgencyLevel) -> AgencyLevel:
        """The level of the body handling the case: a transfer's recipient's, else the
        case's own (``facts_level``)."""
        return self.transferred_level or facts_level

    @property
    def terminated(self) -> bool:
        """After a re-review opinion the matter is terminated (Art. 36)."""
        return terminated_after_re_review(self.status, self.clocks)

    @property
    def open_stage(self) -> StageSpan | None:
        """The stage in which the matter still waits for an opinion (handling, review or
        re-review), None when it waits for none: a replied, refused (not accepted),
        terminated or closed case, a repeat joined to an open case (Art. 19: the case it
        joined is the one answered) and a repeat of a terminated matter (Art. 36) are not
        backlog cases. Escalation's backlog rule (积案) times these stages; the ledger counts
        a case with one as backlog."""
        last = self.stages[-1] if self.stages else None
        return last if last is not None and last.ended_at is None else None

    @property
    def replied_at(self) -> datetime | None:
        """When the body replied (办结, Art. 34): the reply opens the petitioner's window to
        request a review (Art. 35), which nothing else opens."""
        window = next((c for c in self.clocks if c.step is DeadlineStep.REVIEW_REQUEST), None)
        return None if window is None else window.started_at

    @property
    def accepted_at(self) -> datetime | None:
        """When a body accepted the matter (受理): the handling clock starts then (Art. 34)."""
        handling = next((c for c in self.clocks if c.step is DeadlineStep.HANDLING), None)
        return None if handling is None else handling.started_at

    def accepted_in_time(self) -> bool | None:
        """Whether the acceptance came before the deadline it answered; None while the
        matter is not accepted.

        The deadline is the one escalation breaches: of the clock running when the
        acceptance came, the acceptance notice (Art. 23) of the body that had the matter,
        restarted by a transfer or assignment to it, or the petition bureau's transfer
        (Art. 22) when the bureau accepted itself; 00:00 +08:00 after its last day, rolled
        over a rest day at its end. Every reader of "accepted within the limit" (the
        ledger) asks this, so none counts its own days.
        """
        at = self.accepted_at
        if at is None:
            return None
        answered = [
            c
            for c in self.clocks
            if c.step in (DeadlineStep.TRANSFER, DeadlineStep.ACCEPTANCE)
            and c.started_at <= at
            and c.stopped_at == at
        ]
        # The last started is the one in force (a transfer at the same instant stopped the
        # clock before it and started this one).
        return not answered or at < answered[-1].due_at

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

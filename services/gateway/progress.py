"""What a petitioner, or an agency, is shown of a case: pure functions of the status view.

The petitioner sees the steps of their case with dates and reasons, the body it waits on,
the next legal deadline, the latest opinion's text, whether and until when they may rate
it and ask for a review (Art. 21, 35, 36). Nothing else: not the petition's text (the
channel has it), not other petitioners (a repeat or joint verdict says only that the case
joined an open one), not who escalated on which words (only supervisions of the handling:
a missed limit, a backlog, a dissatisfied rating), nothing naming the accused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from schemas.cases import AgencyLevel, CaseUpdate, UpdateKind, Verdict
from schemas.deadlines import DeadlineStep
from services.common.casework.clocks import Clock, ClockKind
from services.common.casework.lifecycle import Lifecycle
from services.common.casework.ruleset import level_above
from services.common.casework.status import CaseStatus, RatingStatus
from services.common.casework.transitions import is_competence_objection
from services.gateway.casework import Casework
from services.gateway.models import (
    AgencyCaseState,
    Body,
    CaseProgress,
    Deadline,
    ProgressStep,
    ProgressStepKind,
    RatingState,
    ReviewRoute,
)
from services.gateway.status import (
    NOT_ACCEPTED_AGAIN_DETAIL,
    SHOWN_ESCALATIONS,
    CaseRecord,
    Status,
)

#: What the petitioner may request: a review (Art. 35) or a re-review (Art. 36).
RouteRequest = Literal["review", "re_review"]
#: The petitioner's requests and their windows, the later first (``_open_window``).
_REQUESTS: Final[tuple[tuple[RouteRequest, DeadlineStep], ...]] = (
    ("re_review", DeadlineStep.RE_REVIEW_REQUEST),
    ("review", DeadlineStep.REVIEW_REQUEST),
)
#: The updates whose reason is the text of a written opinion.
OPINIONS: Final = frozenset(
    {UpdateKind.REPLIED, UpdateKind.REVIEW_DECIDED, UpdateKind.RE_REVIEW_DECIDED}
)


def case_progress(record: CaseRecord, casework: Casework, now: datetime) -> CaseProgress:
    """The petitioner's view of ``record`` at ``now``."""
    facts = record.facts
    if facts is None:
        # Not judged by dedup yet (or rejected by intake): only what intake said.
        steps = (
            [ProgressStep(step=ProgressStepKind.RECEIVED, at=record.received_at, detail=None)]
            if record.received_at
            else []
        )
        return CaseProgress(
            case_id=record.case_id,
            received_at=record.received_at,
            status=Status.REJECTED.value if record.status is Status.REJECTED else "submitted",
            steps=steps,
            responsible=None,
            next_deadline=None,
            reply=None,
            review=None,
            rating=RatingState(status=RatingStatus.NO_OPINION_YET, due_at=None),
            can_rate=False,
        )
    lifecycle = casework.lifecycle(facts, record.updates)
    steps = [
        ProgressStep(step=ProgressStepKind.RECEIVED, at=facts.received_at, detail=None),
        _registered(record, facts.received_at),
        *(_step(record, u, casework) for u in record.updates),
        *(
            ProgressStep(
                step=ProgressStepKind.SUPERVISED,
                at=e.at,
                detail=f"{e.reason.value}: {e.target_level.value}",
            )
            for e in record.escalations
            if e.reason in SHOWN_ESCALATIONS
        ),
    ]
    steps.sort(key=lambda s: s.at)
    rating_status = lifecycle.rating_status(now)
    rating_window = lifecycle.latest(DeadlineStep.RATING)
    opinion = next((u for u in reversed(record.updates) if u.kind in OPINIONS), None)
    return CaseProgress(
        case_id=record.case_id,
        received_at=facts.received_at,
        status=lifecycle.status.value,
        steps=steps,
        responsible=_responsible(record, casework, lifecycle, now),
        next_deadline=next_deadline(record, casework, lifecycle, now),
        reply=opinion.reason if opinion is not None else None,
        review=_review_route(record, casework, lifecycle, now),
        rating=RatingState(
            status=rating_status,
            due_at=rating_window.due_at
            if rating_status is RatingStatus.AWAITING and rating_window is not None
            else None,
        ),
        can_rate=rating_status is RatingStatus.AWAITING,
    )


def agency_case_state(record: CaseRecord, casework: Casework, now: datetime) -> AgencyCaseState:
    """What an agency of the case sees: status, routing, what is owed, the updates."""
    lifecycle = (
        casework.lifecycle(record.facts, record.updates) if record.facts is not None else None
    )
    return AgencyCaseState(
        case_id=record.case_id,
        status=lifecycle.status.value if lifecycle is not None else record.status.value,
        routed_to=record.agency_code,
        held_by=record.held_by,
        next_deadline=next_deadline(record, casework, lifecycle, now) if lifecycle else None,
        updates=[_step(record, u, casework) for u in record.updates],
    )


def next_deadline(
    record: CaseRecord, casework: Casework, lifecycle: Lifecycle, now: datetime
) -> Deadline | None:
    """The earliest legal deadline running at ``now`` (windows of the petitioner aside)."""
    assert record.facts is not None
    running = [c for c in lifecycle.clocks if c.kind is ClockKind.DEADLINE and c.running_at(now)]
    if not running:
        return None
    clock = min(running, key=lambda c: c.due_at)
    code = casework.body_owing(record.facts, clock)
    return Deadline(
        step=clock.step,
        due_at=clock.due_at,
        article=clock.article,
        owed_by=_body(record, casework, code, clock.responsible_level),
    )


def _responsible(
    record: CaseRecord, casework: Casework, lifecycle: Lifecycle, now: datetime
) -> Body | None:
    deadline = next_deadline(record, casework, lifecycle, now)
    if deadline is not None:
        return deadline.owed_by
    facts = record.facts
    assert facts is not None
    if lifecycle.settled_at is not None or record.held_by is None:
        return None
    return _body(record, casework, record.held_by, facts.level)


#: Where a petitioner's request for review or re-review is taken (``transitions``): after
#: the reply, after the review opinion, and after closing, which leaves both windows running
#: and re-opens the case on a request within them (Art. 35, 36).
_REQUESTED_IN: Final = frozenset({CaseStatus.REPLIED, CaseStatus.REVIEW_DECIDED, CaseStatus.CLOSED})


def _open_window(lifecycle: Lifecycle, now: datetime) -> tuple[RouteRequest, Clock] | None:
    """The petitioner's window open at ``now`` to request a re-review (30 days from the
    review opinion, Art. 36) or a review (30 days from the reply, Art. 35): the casework's
    own clock, open as the lifecycle judges a request (``Machine.open``)."""
    if lifecycle.status not in _REQUESTED_IN:
        return None
    for request, step in _REQUESTS:
        window = next(
            (c for c in reversed(lifecycle.clocks) if c.step is step and c.open_at(now)), None
        )
        if window is not None:
            return request, window
    return None


def _review_route(
    record: CaseRecord, casework: Casework, lifecycle: Lifecycle, now: datetime
) -> ReviewRoute | None:
    facts = record.facts
    assert facts is not None
    found = _open_window(lifecycle, now)
    if found is None:
        return None
    request, window = found
    limits = casework.rules.time_limits
    # Art. 35: the review is one level above the body that replied; Art. 36: the
    # re-review one level higher again.
    levels, limit = (
        (1, limits.review_request) if request == "review" else (2, limits.re_review_request)
    )
    level = level_above(lifecycle.handling_level(facts.level), levels)
    code = casework.rules.targets.bureau(facts.region_code, level)
    return ReviewRoute(
        request=request,
        to=_body(record, casework, code, level),
        due_at=window.due_at,
        article=limit.article,
    )


def review_kind(lifecycle: Lifecycle) -> UpdateKind:
    """What a petitioner's request for review is now: a review after the reply (Art. 35), a
    re-review after the review opinion (Art. 36), also once the case is closed (closing
    leaves the window running). Whether its window is open the lifecycle judges."""
    decided = lifecycle.status is CaseStatus.REVIEW_DECIDED or (
        # A closed case whose re-review window was started was closed after its review
        # opinion: the next request is the re-review (a review is not given twice).
        lifecycle.status is CaseStatus.CLOSED
        and lifecycle.latest(DeadlineStep.RE_REVIEW_REQUEST) is not None
    )
    return UpdateKind.RE_REVIEW_REQUESTED if decided else UpdateKind.REVIEW_REQUESTED


def _registered(record: CaseRecord, received_at: datetime) -> ProgressStep:
    registered = next(
        (s.at for s in record.history if s.status in (Status.REGISTERED, Status.REPEAT,
                                                      Status.JOINT, Status.NOT_ACCEPTED_AGAIN)),
        received_at,
    )  # fmt: skip
    if record.facts is not None and record.facts.terminated_matter:
        # Art. 36: a repeat of a matter terminated after its re-review is not accepted
        # again by any body (the casework terminates it at its receipt).
        return ProgressStep(
            step=ProgressStepKind.NOT_ACCEPTED_AGAIN,
            at=registered,
            detail=NOT_ACCEPTED_AGAIN_DETAIL,
        )
    if record.verdict is Verdict.REPEAT and record.facts and record.facts.linked_to:
        # Art. 19: a repeat of a matter being handled joins the open case; which case (it
        # may be a co-petitioner's) is not told.
        return ProgressStep(
            step=ProgressStepKind.JOINED,
            at=registered,
            detail="joined to an open case on the same matter (Art. 19)",
        )
    return ProgressStep(step=ProgressStepKind.REGISTERED, at=registered, detail=None)


def _step(record: CaseRecord, update: CaseUpdate, casework: Casework) -> ProgressStep:
    kind = ProgressStepKind(update.kind.value)
    detail = update.reason
    prefixes = casework.rules.time_limits.competence_objection.reason_prefixes
    if is_competence_objection(update, prefixes):
        kind = ProgressStepKind.RETURNED_FOR_TRANSFER
        # The petitioner reads why, not the rule file's marker of an objection.
        marker = next(p for p in prefixes if (update.reason or "").strip().startswith(p))
        detail = (update.reason or "").strip()[len(marker) :].lstrip(" :：") or None
    elif update.kind is UpdateKind.RATED and update.rating is not None:
        detail = update.rating.value + (f": {update.reason}" if update.reason else "")
    elif update.to_agency is not None:
        # The body the case went to: whom the petitioner now waits on (Art. 22).
        detail = update.to_agency.name + (f": {update.reason}" if update.reason else "")
    return ProgressStep(
        step=kind, at=update.occurred_at, detail=detail, extension_days=update.extension_days
    )


def _body(record: CaseRecord, casework: Casework, code: str, level: AgencyLevel) -> Body:
    """A body of the case, named as the case names it (routing's agency, a transfer's
    recipient), else as the routing table does (a review body, a petition bureau), at its
    own level: ``level`` (the clock's) only for a body the table does not have. A clock
    owed by a body of another level (a city bureau's handling clock on a county case) once
    showed the city bureau as county level."""
    return Body(
        code=code,
        name=record.name_of(code) or casework.name_of(code),
        level=casework.level_of(code) or level,
    )

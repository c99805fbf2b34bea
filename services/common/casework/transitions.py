"""The case lifecycle's transitions: what each kind of update does to a case, or why not.

A state machine over the updates agencies publish on cases.updates; ``fold`` applies them
in event-time order. An update that the current status does not allow is refused with a
named ``RejectionReason``. The functions here are pure; ``services.escalation.engine``
stores and schedules.

    registered ──transferred/assigned──► transferred ──accepted──► accepted ──replied──► replied
        │  ▲                                │   │                    │ extended (once)   │
        │  └────── objection to competence ─┘   └─not_accepted─┐     ▼                   │
        └──accepted / not_accepted (competent body received it)│   extended ──replied──►─┤
                                                               ▼                         │
    replied ──review_requested──► review_requested ──review_decided──► review_decided    │
    review_decided ──re_review_requested──► re_review_requested ──re_review_decided──►   │
    re_review_decided (the matter is terminated, Art. 36) ──terminated──► terminated     │
    replied, review_decided, re_review_decided, terminated, not_accepted ──closed──► closed
    closed ──review_requested / re_review_requested within the petitioner's window──►
        review_requested / re_review_requested (closing does not cut it, Art. 35, 36);
        after the re-review opinion, closed or not, neither is taken (matter_terminated)
    rated: whenever an opinion's rating window is open, in any status.
    A repeat of a matter terminated after its re-review is terminated from its receipt
        (Art. 36): no clock runs; every update but closed is refused (matter_terminated).
    re_review_requested: hearing_started ──► (hearing) ──hearing_ended──► re_review_requested;
        the re-review clock is paused during the hearing and the calendar days on which a
        hearing took place are not counted, each whole (Art. 36); a re-review opinion given
        during a hearing ends it.

Calendar-day limits roll over a rest day at their end when the rules say so
(``clocks.roll_over_rest_days``, ``workdays.roll_over_rest_days``), on the holiday calendar
given to ``fold``.

Every clock names its article and the body that owes it. A case that routing left with the
region's petition bureau starts the bureau's transfer clock (Art. 22); a case routed straight
to the competent body starts that body's acceptance notice (Art. 23) from receipt; a transfer
or assignment starts it again for the body the update names. The body
that accepts owes the handling (Art. 34); the next-higher body the review opinion (Art. 35),
the one above it the re-review opinion (Art. 36).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from schemas.cases import CaseUpdate, Rating, UpdateKind
from schemas.deadlines import DeadlineStep
from services.common.casework.clocks import Clock, ClockKind
from services.common.casework.lifecycle import Hearing, RatingRecord
from services.common.casework.machine import Machine
from services.common.casework.refusals import Refusal, RejectionReason
from services.common.casework.ruleset import OpenStage
from services.common.casework.status import CaseStatus
from services.common.casework.workdays import days_taken, working_days_due


def _not_allowed(machine: Machine, update: CaseUpdate) -> Refusal:
    return Refusal(
        RejectionReason.NOT_ALLOWED_IN_STATUS,
        f"{update.kind.value} is not allowed while the case is {machine.status.value}",
    )


def _require(machine: Machine, update: CaseUpdate, *allowed: CaseStatus) -> Refusal | None:
    return None if machine.status in allowed else _not_allowed(machine, update)


def start_transfer(machine: Machine, at: datetime, bureau: str | None) -> None:
    """Start the petition bureau's transfer clock at ``at``."""
    # Art. 22: the petition bureau transfers or assigns within 15 days of receipt.
    machine.start(
        DeadlineStep.TRANSFER, ClockKind.DEADLINE, at, machine.limits.transfer, agency=bureau
    )


def terminated_on_receipt(machine: Machine, at: datetime) -> None:
    """A repeat of a matter terminated after its re-review is terminated as it arrives."""
    # Art. 36: after the re-review the same facts and reasons are not accepted again by any
    # body: no transfer, acceptance or handling clock, no open stage; the case is recorded
    # as the terminated matter's follow-up, which may only be closed (filed).
    machine.settle(CaseStatus.TERMINATED, at)


def _recipient(machine: Machine, update: CaseUpdate) -> str | None:
    """The body a transfer or assignment goes to: the one it names (version 2); a version 1
    update names none, so the routed agency, unless routing left the case with the petition
    bureau (then the body is unknown and the clock falls to its level's bureau)."""
    if update.to_agency is not None:
        return update.to_agency.code
    return None if machine.facts.with_bureau else machine.facts.agency_code


def start_acceptance(machine: Machine, at: datetime, body: str | None) -> None:
    """Start ``body``'s acceptance notice at ``at``."""
    # Art. 23: the competent body tells the petitioner in writing within 15 days of
    # receiving the matter whether it accepts it.
    machine.start(
        DeadlineStep.ACCEPTANCE, ClockKind.DEADLINE, at, machine.limits.acceptance, agency=body
    )


def _transferred(machine: Machine, update: CaseUpdate) -> Refusal | None:
    refusal = _require(machine, update, CaseStatus.REGISTERED)
    if refusal is not None:
        return refusal
    at = update.occurred_at
    limits = machine.limits
    # A case routed straight to its body may still be transferred or assigned formally:
    # the body's 15 days then run from receiving the transfer.
    machine.stop(at, DeadlineStep.TRANSFER, DeadlineStep.ACCEPTANCE)
    # Art. 23: the recipient tells the petitioner within 15 days of receiving the transfer
    # whether it accepts; it may object to its competence within 5 working days of it.
    recipient = _recipient(machine, update)
    if update.to_agency is not None:
        machine.transferred_level = update.to_agency.level
    start_acceptance(machine, at, recipient)
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
            responsible_level=machine.handling_level,
            responsible_agency=recipient,
        )
    )
    machine.status = CaseStatus.TRANSFERRED
    return None


def _accepted(machine: Machine, update: CaseUpdate) -> Refusal | None:
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


def _not_accepted(machine: Machine, update: CaseUpdate, bureau: str) -> Refusal | None:
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
        machine.transferred_level = None
        start_transfer(machine, at, bureau)
        machine.status = CaseStatus.REGISTERED
        return None
    machine.stop(
        at, DeadlineStep.TRANSFER, DeadlineStep.ACCEPTANCE, DeadlineStep.COMPETENCE_OBJECTION
    )
    machine.settle(CaseStatus.NOT_ACCEPTED, at)
    return None


def _extended(machine: Machine, update: CaseUpdate) -> Refusal | None:
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


def _opinion(machine: Machine, at: datetime) -> None:
    """A written opinion opens a new rating window and supersedes the previous one."""
    machine.stop(at, DeadlineStep.RATING)
    machine.start(DeadlineStep.RATING, ClockKind.WINDOW, at, machine.limits.rating)


def _replied(machine: Machine, update: CaseUpdate) -> Refusal | None:
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


def _reopened(machine: Machine, update: CaseUpdate, window: DeadlineStep) -> Refusal | None:
    """Re-open a closed case on a request for review or re-review made within ``window``,
    which closing left running; after it the case stays closed."""
    # Art. 35, 36: the petitioner may request a review within 30 days of the reply (a
    # re-review within 30 days of the review opinion), and DOMAIN.md: a case is not closed
    # while the petitioner is dissatisfied without review. Closing ends the body's handling,
    # not that right: a request in time re-opens the case into the review it asks for.
    if machine.open(window, update.occurred_at) is None:
        return Refusal(
            RejectionReason.CASE_CLOSED, f"{update.kind.value} after the case was closed"
        )
    machine.settled_at = None
    return None


def _requested_in_window(
    machine: Machine,
    update: CaseUpdate,
    status: CaseStatus,
    window: DeadlineStep,
    late: Refusal,
) -> Refusal | None:
    """Whether a request for review or re-review may go on: in ``status`` within its
    ``window`` (else ``late``), or on a closed case within it (``_reopened``)."""
    if machine.status is CaseStatus.CLOSED:
        return _reopened(machine, update, window)
    refusal = _require(machine, update, status)
    if refusal is None and machine.open(window, update.occurred_at) is None:
        return late
    return refusal


def _review_requested(machine: Machine, update: CaseUpdate) -> Refusal | None:
    if machine.status is CaseStatus.REVIEW_DECIDED:
        return Refusal(
            RejectionReason.NOT_ALLOWED_IN_STATUS,
            "the review is decided; the next step is a re-review (Art. 36)",
        )
    at = update.occurred_at
    limit = machine.limits.review_request
    refusal = _requested_in_window(
        machine,
        update,
        CaseStatus.REPLIED,
        DeadlineStep.REVIEW_REQUEST,
        Refusal(
            RejectionReason.REVIEW_WINDOW_CLOSED,
            f"a review is requested within {limit.days} days of the reply ({limit.article})",
        ),
    )
    if refusal is not None:
        return refusal
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


def _review_decided(machine: Machine, update: CaseUpdate) -> Refusal | None:
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


def _re_review_requested(machine: Machine, update: CaseUpdate) -> Refusal | None:
    at = update.occurred_at
    limit = machine.limits.re_review_request
    refusal = _requested_in_window(
        machine,
        update,
        CaseStatus.REVIEW_DECIDED,
        DeadlineStep.RE_REVIEW_REQUEST,
        Refusal(
            RejectionReason.RE_REVIEW_WINDOW_CLOSED,
            f"a re-review is requested within {limit.days} days of the review opinion "
            f"({limit.article})",
        ),
    )
    if refusal is not None:
        return refusal
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


def _hearing_started(machine: Machine, update: CaseUpdate) -> Refusal | None:
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


def _hearing_ended(machine: Machine, update: CaseUpdate) -> Refusal | None:
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
    # Art. 36: hearing time is not counted. The limit counts whole days of China time, so
    # the hearing does too: every calendar day on which a hearing took place, whole, is not
    # counted (two hearings on one day take it once). The clock runs again; the limit ends
    # that many days later, at a midnight, and rolls over a rest day as every limit does.
    heard = {
        day
        for h in machine.hearings
        if h.ended_at is not None
        for day in days_taken(h.started_at, h.ended_at)
    }
    not_counted = timedelta(days=len(heard))
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


def _re_review_decided(machine: Machine, update: CaseUpdate) -> Refusal | None:
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


def _terminated(machine: Machine, update: CaseUpdate) -> Refusal | None:
    if machine.status is not CaseStatus.RE_REVIEW_DECIDED:
        return Refusal(
            RejectionReason.TERMINATION_BEFORE_RE_REVIEW,
            "a matter is terminated only after its re-review opinion (Art. 36)",
        )
    machine.settle(CaseStatus.TERMINATED, update.occurred_at)
    return None


def _closed(machine: Machine, update: CaseUpdate) -> Refusal | None:
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
    # The petitioner's windows for review and re-review run on (Art. 35, 36): a request
    # within them re-opens the case (``_reopened``).
    machine.settle(CaseStatus.CLOSED, at)
    return None


def _rated(machine: Machine, update: CaseUpdate) -> Refusal | None:
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


#: What a closed case still takes: a rating while its window is open, and a request for
#: review or re-review within the petitioner's window, which re-opens it (Art. 35, 36).
_AFTER_CLOSING: frozenset[UpdateKind] = frozenset(
    {UpdateKind.RATED, UpdateKind.REVIEW_REQUESTED, UpdateKind.RE_REVIEW_REQUESTED}
)


def apply_update(machine: Machine, update: CaseUpdate, bureau: str) -> Refusal | None:
    """Apply one update to ``machine``, or say why the lifecycle refuses it; ``bureau`` is
    the petition bureau an objection to competence sends the matter back to."""
    kind = update.kind
    if machine.facts.terminated_matter and kind is not UpdateKind.CLOSED:
        # Art. 36: nothing of a matter terminated after its re-review is taken up again,
        # whatever update says otherwise; no earlier update can make it valid.
        return Refusal(
            RejectionReason.MATTER_TERMINATED,
            f"{kind.value} on a repeat of a matter terminated after its re-review: the same "
            "facts and reasons are not accepted again (Art. 36)",
        )
    if machine.terminated and kind in (
        UpdateKind.REVIEW_REQUESTED,
        UpdateKind.RE_REVIEW_REQUESTED,
    ):
        # Art. 36: after the re-review opinion the matter is terminated, and stays so when
        # the case is closed: a request then is not late (case_closed), it is never taken.
        return Refusal(
            RejectionReason.MATTER_TERMINATED,
            "after the re-review the same facts and reasons are not accepted again (Art. 36)",
        )
    if machine.status is CaseStatus.CLOSED and kind not in _AFTER_CLOSING:
        return Refusal(RejectionReason.CASE_CLOSED, f"{kind.value} after the case was closed")
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

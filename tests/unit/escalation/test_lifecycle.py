"""The case lifecycle: every step, every time limit, every named rejection."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from schemas.cases import (
    Agency,
    AgencyLevel,
    CaseDeduplicated,
    CaseRegistered,
    CaseUpdate,
    DedupReason,
    MaskedPerson,
    Rating,
    UpdateKind,
    Verdict,
)
from schemas.deadlines import DeadlineStep
from schemas.petitions import Channel
from services.escalation.engine import EscalationEngine, Rejection
from services.escalation.lifecycle import CaseStatus, RatingStatus, RejectionReason
from services.escalation.ruleset import EscalationRules, load_rules
from services.escalation.tables import InMemoryCaseStore
from services.escalation.workdays import CHINA_TZ

RULES = load_rules()
CASE = "XF-LIFE00000001"
RECEIVED = datetime(2026, 3, 2, 10, tzinfo=CHINA_TZ)  # a Monday


def cst(month: int, day: int, hour: int = 10, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CHINA_TZ)


def engine(rules: EscalationRules = RULES, received: datetime = RECEIVED) -> EscalationEngine:
    store = InMemoryCaseStore()
    built = EscalationEngine(rules, store)
    case = CaseRegistered(
        case_id=CASE,
        submission_id="portal-1",
        channel=Channel.ONLINE,
        received_at=received,
        registered_at=received,
        petitioner_ref="pr_life0001",
        petitioner=MaskedPerson(name_masked="王*"),
        region_code="610302",
        title="小区外墙脱落",
        content="外墙瓷砖脱落，存在安全隐患。",
        normalised_text="小区外墙脱落",
        agency=Agency(
            code="610302-housing",
            name="渭滨区住房和城乡建设局",
            level=AgencyLevel.COUNTY,
            region_code="610302",
            rule="field:housing/county",
        ),
    )
    opened = built.on_verdict(
        CaseDeduplicated(
            case_id=CASE,
            case=case,
            verdict=Verdict.NEW,
            reason=DedupReason.FIRST_OF_MATTER,
            matter_id="MT-LIFE",
            first_case_id=CASE,
            repeat_count=0,
            score=1.0,
            decided_at=received,
        )
    )
    assert opened.rejections == []
    return built


_counter = iter(range(1_000_000))


def upd(kind: UpdateKind, at: datetime, **fields: Any) -> CaseUpdate:
    return CaseUpdate(
        update_id=f"u-{next(_counter)}",
        case_id=CASE,
        kind=kind,
        occurred_at=at,
        agency_code="610302-housing",
        **fields,
    )


def apply(eng: EscalationEngine, *updates: CaseUpdate) -> None:
    for update in updates:
        result = eng.on_update(update)
        assert not isinstance(result, Rejection), result


def refusal(eng: EscalationEngine, update: CaseUpdate) -> Rejection:
    """The rejection of ``update``: at once, or when its hold for a predecessor ends."""
    result = eng.on_update(update)
    if isinstance(result, Rejection):
        return result
    assert result == []
    held_until = update.occurred_at + RULES.clocks.reorder_tolerance + RULES.clocks.timer_grace
    (rejection,) = eng.scan(held_until).rejections
    assert rejection.update == update
    return rejection


def rejected(eng: EscalationEngine, update: CaseUpdate) -> RejectionReason:
    return refusal(eng, update).reason


def status(eng: EscalationEngine) -> CaseStatus:
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    return lifecycle.status


def due(eng: EscalationEngine, step: DeadlineStep) -> datetime:
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    clock = lifecycle.latest(step)
    assert clock is not None
    return clock.due_at


REPLIED_CASE = (
    (UpdateKind.TRANSFERRED, cst(3, 3)),
    (UpdateKind.ACCEPTED, cst(3, 5)),
    (UpdateKind.REPLIED, cst(4, 20)),
)


def replied(eng: EscalationEngine) -> None:
    apply(eng, *(upd(kind, at) for kind, at in REPLIED_CASE))


def test_transfer_is_due_15_days_after_receipt_art_22() -> None:
    assert due(engine(), DeadlineStep.TRANSFER) == cst(3, 18, 0)


def test_acceptance_is_due_15_days_after_the_transfer_art_23() -> None:
    eng = engine()
    apply(eng, upd(UpdateKind.ASSIGNED, cst(3, 4)))
    assert status(eng) is CaseStatus.TRANSFERRED
    assert due(eng, DeadlineStep.ACCEPTANCE) == cst(3, 20, 0)


def test_an_objection_to_competence_within_5_working_days_over_national_day() -> None:
    # Transferred Tuesday 29 September 2026: the window runs over the National Day holiday
    # and the adjusted working Saturday 10 October to the end of Monday 12 October.
    eng = engine(received=cst(9, 25))
    apply(eng, upd(UpdateKind.TRANSFERRED, cst(9, 29)))
    assert due(eng, DeadlineStep.COMPETENCE_OBJECTION) == cst(10, 13, 0)
    apply(eng, upd(UpdateKind.NOT_ACCEPTED, cst(10, 12, 17), reason="outside_competence: 市场监管"))
    # The matter is back with the petition bureau, which must transfer it again.
    assert status(eng) is CaseStatus.REGISTERED
    assert due(eng, DeadlineStep.TRANSFER) == cst(10, 28, 0)


def test_an_objection_after_the_window_is_refused() -> None:
    eng = engine(received=cst(9, 25))
    apply(eng, upd(UpdateKind.TRANSFERRED, cst(9, 29)))
    late = upd(UpdateKind.NOT_ACCEPTED, cst(10, 13, 9), reason="outside_competence")
    assert rejected(eng, late) is RejectionReason.OBJECTION_WINDOW_CLOSED


def test_not_accepted_for_another_reason_settles_the_case() -> None:
    eng = engine()
    apply(eng, upd(UpdateKind.TRANSFERRED, cst(3, 3)))
    apply(eng, upd(UpdateKind.NOT_ACCEPTED, cst(3, 10), reason="belongs to litigation"))
    assert status(eng) is CaseStatus.NOT_ACCEPTED
    apply(eng, upd(UpdateKind.CLOSED, cst(3, 11)))
    assert status(eng) is CaseStatus.CLOSED


def test_handling_is_due_60_days_after_acceptance_art_34() -> None:
    eng = engine()
    apply(eng, upd(UpdateKind.TRANSFERRED, cst(3, 3)), upd(UpdateKind.ACCEPTED, cst(3, 5)))
    assert due(eng, DeadlineStep.HANDLING) == cst(5, 5, 0)


def test_one_extension_of_at_most_30_days_with_a_reason_art_34() -> None:
    eng = engine()
    apply(eng, upd(UpdateKind.TRANSFERRED, cst(3, 3)), upd(UpdateKind.ACCEPTED, cst(3, 5)))
    no_reason = upd(UpdateKind.EXTENDED, cst(4, 20), extension_days=30)
    assert rejected(eng, no_reason) is RejectionReason.EXTENSION_WITHOUT_REASON
    no_days = upd(UpdateKind.EXTENDED, cst(4, 20), reason="needs a survey")
    assert rejected(eng, no_days) is RejectionReason.EXTENSION_WITHOUT_DAYS
    apply(eng, upd(UpdateKind.EXTENDED, cst(4, 20), reason="needs a survey", extension_days=30))
    assert status(eng) is CaseStatus.EXTENDED
    assert due(eng, DeadlineStep.HANDLING) == cst(6, 4, 0)
    again = upd(UpdateKind.EXTENDED, cst(4, 21), reason="more", extension_days=5)
    assert rejected(eng, again) is RejectionReason.EXTENSION_ALREADY_USED


def test_an_extension_longer_than_configured_is_refused() -> None:
    limits = RULES.time_limits
    shorter = RULES.model_copy(
        update={
            "time_limits": limits.model_copy(
                update={"extension": limits.extension.model_copy(update={"max_days": 20})}
            )
        }
    )
    eng = engine(rules=shorter)
    apply(eng, upd(UpdateKind.ACCEPTED, cst(3, 5)))
    long = upd(UpdateKind.EXTENDED, cst(4, 1), reason="survey", extension_days=25)
    assert rejected(eng, long) is RejectionReason.EXTENSION_TOO_LONG


def test_an_extension_after_the_handling_deadline_is_refused() -> None:
    eng = engine()
    apply(eng, upd(UpdateKind.ACCEPTED, cst(3, 5)))
    late = upd(UpdateKind.EXTENDED, cst(5, 5, 9), reason="survey", extension_days=10)
    assert rejected(eng, late) is RejectionReason.EXTENSION_AFTER_DEADLINE


def test_review_within_30_days_of_the_reply_and_its_decision_within_30_art_35() -> None:
    eng = engine()
    replied(eng)
    assert due(eng, DeadlineStep.REVIEW_REQUEST) == cst(5, 21, 0)
    apply(eng, upd(UpdateKind.REVIEW_REQUESTED, cst(5, 20)))
    assert due(eng, DeadlineStep.REVIEW_DECISION) == cst(6, 20, 0)
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    clock = lifecycle.latest(DeadlineStep.REVIEW_DECISION)
    assert clock is not None
    assert clock.responsible_level is AgencyLevel.CITY  # the next-higher body


def test_a_review_requested_after_the_window_is_refused() -> None:
    eng = engine()
    replied(eng)
    late = upd(UpdateKind.REVIEW_REQUESTED, cst(5, 21, 8))
    assert rejected(eng, late) is RejectionReason.REVIEW_WINDOW_CLOSED


def test_re_review_then_the_matter_is_terminated_art_36() -> None:
    eng = engine()
    replied(eng)
    apply(
        eng, upd(UpdateKind.REVIEW_REQUESTED, cst(5, 1)), upd(UpdateKind.REVIEW_DECIDED, cst(5, 25))
    )
    late = upd(UpdateKind.RE_REVIEW_REQUESTED, cst(6, 25, 1))
    assert rejected(eng, late) is RejectionReason.RE_REVIEW_WINDOW_CLOSED
    apply(eng, upd(UpdateKind.RE_REVIEW_REQUESTED, cst(6, 20)))
    assert due(eng, DeadlineStep.RE_REVIEW_DECISION) == cst(7, 21, 0)
    apply(eng, upd(UpdateKind.RE_REVIEW_DECIDED, cst(7, 10)))
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    assert lifecycle.terminated
    again = upd(UpdateKind.REVIEW_REQUESTED, cst(7, 11))
    assert rejected(eng, again) is RejectionReason.MATTER_TERMINATED
    apply(eng, upd(UpdateKind.TERMINATED, cst(7, 12)))
    assert status(eng) is CaseStatus.TERMINATED


def test_termination_before_the_re_review_is_refused() -> None:
    eng = engine()
    replied(eng)
    early = upd(UpdateKind.TERMINATED, cst(4, 21))
    assert rejected(eng, early) is RejectionReason.TERMINATION_BEFORE_RE_REVIEW


@pytest.mark.parametrize(
    ("kind", "extra"),
    [
        (UpdateKind.ACCEPTED, {}),
        (UpdateKind.EXTENDED, {"reason": "survey", "extension_days": 5}),
        (UpdateKind.REVIEW_DECIDED, {}),
        (UpdateKind.RE_REVIEW_REQUESTED, {}),
        (UpdateKind.RE_REVIEW_DECIDED, {}),
    ],
)
def test_an_update_out_of_step_names_the_status(kind: UpdateKind, extra: dict[str, Any]) -> None:
    eng = engine()
    replied(eng)
    result = refusal(eng, upd(kind, cst(4, 22), **extra))
    assert result.reason is RejectionReason.NOT_ALLOWED_IN_STATUS
    assert "replied" in result.detail


def test_nothing_but_a_rating_after_closing() -> None:
    eng = engine()
    replied(eng)
    apply(eng, upd(UpdateKind.CLOSED, cst(4, 25)))
    assert (
        rejected(eng, upd(UpdateKind.REVIEW_REQUESTED, cst(4, 26))) is RejectionReason.CASE_CLOSED
    )
    apply(eng, upd(UpdateKind.RATED, cst(4, 27), rating=Rating.SATISFIED))
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    assert lifecycle.rating_status(cst(4, 28)) is RatingStatus.SATISFIED


def test_rating_window_then_overdue_not_rated() -> None:
    eng = engine()
    assert rejected(eng, upd(UpdateKind.RATED, cst(3, 3), rating=Rating.SATISFIED)) is (
        RejectionReason.NOTHING_TO_RATE
    )
    replied(eng)
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    assert lifecycle.rating_status(cst(5, 20)) is RatingStatus.AWAITING
    assert lifecycle.rating_status(cst(5, 21, 0)) is RatingStatus.OVERDUE_NOT_RATED
    late = upd(UpdateKind.RATED, cst(5, 21, 9), rating=Rating.SATISFIED)
    assert rejected(eng, late) is RejectionReason.RATING_WINDOW_CLOSED
    assert rejected(eng, upd(UpdateKind.RATED, cst(4, 22))) is RejectionReason.RATING_MISSING


def test_one_rating_per_opinion() -> None:
    eng = engine()
    replied(eng)
    apply(eng, upd(UpdateKind.RATED, cst(4, 22), rating=Rating.BASICALLY_SATISFIED))
    again = upd(UpdateKind.RATED, cst(4, 23), rating=Rating.SATISFIED)
    assert rejected(eng, again) is RejectionReason.ALREADY_RATED


def test_a_dissatisfied_case_is_not_closed_while_a_review_is_possible() -> None:
    eng = engine()
    replied(eng)
    apply(eng, upd(UpdateKind.RATED, cst(4, 22), rating=Rating.DISSATISFIED))
    assert (
        rejected(eng, upd(UpdateKind.CLOSED, cst(4, 23)))
        is RejectionReason.CLOSE_WHILE_DISSATISFIED
    )
    apply(eng, upd(UpdateKind.CLOSED, cst(5, 22)))  # the review window has passed
    assert status(eng) is CaseStatus.CLOSED


def test_an_update_that_overtook_its_predecessor_is_held_until_it_arrives() -> None:
    eng = engine()
    apply(eng, upd(UpdateKind.TRANSFERRED, cst(3, 3)))
    # The reply of 20 March reaches us before the acceptance of 19 March.
    assert eng.on_update(upd(UpdateKind.REPLIED, cst(3, 20))) == []
    assert status(eng) is CaseStatus.TRANSFERRED
    apply(eng, upd(UpdateKind.ACCEPTED, cst(3, 19)))
    assert status(eng) is CaseStatus.REPLIED
    assert eng.scan(cst(3, 25)).rejections == []


def test_a_held_update_is_refused_when_its_predecessor_never_comes() -> None:
    eng = engine()
    reply = upd(UpdateKind.REPLIED, cst(3, 20))
    assert eng.on_update(reply) == []
    assert eng.scan(cst(3, 21, 9)).rejections == []  # still within the tolerance
    (rejection,) = eng.scan(cst(3, 21, 12)).rejections
    assert rejection.update == reply
    assert rejection.reason is RejectionReason.NOT_ALLOWED_IN_STATUS
    assert eng.scan(cst(3, 22)).rejections == []


def test_an_update_arriving_before_its_predecessor_within_tolerance_is_placed() -> None:
    eng = engine()
    apply(eng, upd(UpdateKind.TRANSFERRED, cst(3, 3)), upd(UpdateKind.ACCEPTED, cst(3, 5)))
    reply = upd(UpdateKind.REPLIED, cst(3, 20, 12))
    extension = upd(UpdateKind.EXTENDED, cst(3, 20, 9), reason="survey", extension_days=10)
    apply(eng, reply)
    # The extension happened three hours before the reply: by event time it is valid.
    apply(eng, extension)
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    assert lifecycle.status is CaseStatus.REPLIED
    assert lifecycle.extensions_used == 1


def test_an_update_that_would_invalidate_a_later_one_is_refused() -> None:
    eng = engine()
    apply(eng, upd(UpdateKind.TRANSFERRED, cst(3, 3)), upd(UpdateKind.ACCEPTED, cst(3, 5, 12)))
    refusal = upd(UpdateKind.NOT_ACCEPTED, cst(3, 5, 9), reason="litigation")
    assert rejected(eng, refusal) is RejectionReason.CONFLICTS_WITH_LATER_UPDATE


def test_an_update_older_than_the_tolerance_is_too_late() -> None:
    eng = engine()
    apply(eng, upd(UpdateKind.TRANSFERRED, cst(3, 3)), upd(UpdateKind.ACCEPTED, cst(3, 10)))
    old = upd(UpdateKind.EXTENDED, cst(3, 8), reason="survey", extension_days=5)
    assert rejected(eng, old) is RejectionReason.TOO_LATE


def test_redelivery_is_silent_and_a_reused_id_is_refused() -> None:
    eng = engine()
    transfer = upd(UpdateKind.TRANSFERRED, cst(3, 3))
    apply(eng, transfer)
    assert eng.on_update(transfer) == []
    reused = transfer.model_copy(update={"kind": UpdateKind.ACCEPTED})
    assert rejected(eng, reused) is RejectionReason.UPDATE_ID_REUSED


def test_unknown_cases_and_updates_before_receipt_are_refused() -> None:
    eng = engine()
    assert rejected(eng, upd(UpdateKind.ACCEPTED, cst(3, 1))) is RejectionReason.BEFORE_RECEIPT
    stranger = upd(UpdateKind.ACCEPTED, cst(3, 5)).model_copy(update={"case_id": "XF-NOBODY"})
    assert rejected(eng, stranger) is RejectionReason.UNKNOWN_CASE


def test_the_full_three_level_path_reaches_closed() -> None:
    eng = engine()
    replied(eng)
    apply(
        eng,
        upd(UpdateKind.RATED, cst(4, 21), rating=Rating.DISSATISFIED),
        upd(UpdateKind.REVIEW_REQUESTED, cst(4, 25)),
        upd(UpdateKind.REVIEW_DECIDED, cst(5, 20)),
        upd(UpdateKind.RE_REVIEW_REQUESTED, cst(6, 1)),
        upd(UpdateKind.RE_REVIEW_DECIDED, cst(6, 25)),
        upd(UpdateKind.TERMINATED, cst(6, 26)),
        upd(UpdateKind.CLOSED, cst(6, 27)),
    )
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    assert lifecycle.status is CaseStatus.CLOSED
    assert lifecycle.settled_at == cst(6, 25)
    assert lifecycle.rating_status(cst(6, 28) + timedelta(days=1)) is RatingStatus.AWAITING

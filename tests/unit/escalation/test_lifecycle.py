"""The case lifecycle: every step, every time limit, every named rejection."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest

from schemas.cases import (
    Agency,
    AgencyLevel,
    CaseDeduplicated,
    CaseEscalated,
    CaseRegistered,
    CaseUpdate,
    DedupReason,
    MaskedPerson,
    Rating,
    UpdateKind,
    Verdict,
)
from schemas.deadlines import DeadlineStep, DeadlineWarning
from schemas.petitions import Channel
from services.common.casework.facts import CaseFacts
from services.common.casework.fold import fold
from services.common.casework.holidays import shipped_calendar
from services.common.casework.lifecycle import Lifecycle
from services.common.casework.refusals import RejectionReason
from services.common.casework.ruleset import EscalationRules, OpenStage, load_rules
from services.common.casework.status import CaseStatus, RatingStatus
from services.common.casework.workdays import CHINA_TZ
from services.escalation.engine import EscalationEngine, Rejection
from services.escalation.tables import InMemoryCaseStore

is_working_day = shipped_calendar().is_working_day

RULES = load_rules()
CASE = "XF-LIFE00000001"
RECEIVED = datetime(2026, 3, 2, 10, tzinfo=CHINA_TZ)  # a Monday


def cst(month: int, day: int, hour: int = 10, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CHINA_TZ)


#: Routed straight to the competent body (a field of the routing table).
HOUSING = Agency(
    code="610302-housing",
    name="渭滨区住房和城乡建设局",
    level=AgencyLevel.COUNTY,
    region_code="610302",
    rule="field:housing/county",
)
#: Left with the region's petition bureau, which transfers or assigns it (Art. 22).
BUREAU = Agency(
    code="610302-xfj",
    name="宝鸡市渭滨区信访局",
    level=AgencyLevel.COUNTY,
    region_code="610302",
    rule="fallback:petition_bureau",
)


def engine(
    rules: EscalationRules = RULES, received: datetime = RECEIVED, agency: Agency = HOUSING
) -> EscalationEngine:
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
        agency=agency,
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


def escalations(outputs: list[Any]) -> list[CaseEscalated]:
    return [o for o in outputs if isinstance(o, CaseEscalated)]


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
    assert due(engine(agency=BUREAU), DeadlineStep.TRANSFER) == cst(3, 18, 0)


def clock_of(eng: EscalationEngine, step: DeadlineStep) -> tuple[str, str | None, datetime]:
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    clock = lifecycle.latest(step)
    assert clock is not None
    return clock.article, clock.responsible_agency, clock.due_at


def test_a_case_with_the_bureau_starts_the_bureaus_transfer_clock_art_22() -> None:
    eng = engine(agency=BUREAU)
    assert clock_of(eng, DeadlineStep.TRANSFER) == ("Art. 22", "610302-xfj", cst(3, 18, 0))
    apply(eng, upd(UpdateKind.TRANSFERRED, cst(3, 3)))
    # The update says who transferred it, not to whom: the body is not named.
    assert clock_of(eng, DeadlineStep.ACCEPTANCE) == ("Art. 23", None, cst(3, 19, 0))
    apply(eng, upd(UpdateKind.ACCEPTED, cst(3, 5)))
    # The body that accepted owes the handling (Art. 34); its 60th day, 4 May, is in the
    # Labour Day holiday (1-5 May), so it ends with Wednesday 6 May.
    assert clock_of(eng, DeadlineStep.HANDLING) == ("Art. 34", "610302-housing", cst(5, 7, 0))


def test_a_transfer_names_the_body_that_owes_the_acceptance_and_its_breach_art_22_23() -> None:
    eng = engine(agency=BUREAU)
    to_housing = HOUSING.model_copy(update={"rule": "transferred_by:610302-xfj"})
    apply(eng, upd(UpdateKind.TRANSFERRED, cst(3, 3), to_agency=to_housing))
    assert clock_of(eng, DeadlineStep.ACCEPTANCE) == ("Art. 23", "610302-housing", cst(3, 19, 0))
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    objection = lifecycle.latest(DeadlineStep.COMPETENCE_OBJECTION)
    assert objection is not None
    assert objection.responsible_agency == "610302-housing"
    # The recipient's silence is its own breach, not the bureau's.
    (warning,) = eng.scan(cst(3, 16)).outputs
    assert isinstance(warning, DeadlineWarning)
    assert warning.responsible_agency == "610302-housing"
    (breach,) = eng.scan(cst(3, 19, 1)).outputs
    assert isinstance(breach, CaseEscalated)
    assert breach.detail.startswith("acceptance limit (Art. 23) owed by 610302-housing due ")
    # The recipient's objection to competence sends the matter back to the bureau (Art. 23).
    again = engine(agency=BUREAU)
    apply(again, upd(UpdateKind.TRANSFERRED, cst(3, 3), to_agency=to_housing))
    apply(again, upd(UpdateKind.NOT_ACCEPTED, cst(3, 6), reason="outside_competence: 不动产"))
    # 15 days end on Saturday 21 March: rolled over to the end of Monday 23 March.
    assert clock_of(again, DeadlineStep.TRANSFER) == ("Art. 22", "610302-xfj", cst(3, 24, 0))


def test_a_transfer_to_a_body_of_another_level_moves_its_review_and_supervision_art_35() -> None:
    """The body a transfer names handles the matter: its review goes one level above it."""
    city_body = Agency(
        code="610300-housing", name="宝鸡市住房和城乡建设局", level=AgencyLevel.CITY,
        region_code="610300", rule="transferred_by:610302-xfj",
    )  # fmt: skip
    eng = engine(agency=BUREAU)
    apply(
        eng,
        upd(UpdateKind.TRANSFERRED, cst(3, 3), to_agency=city_body),
        upd(UpdateKind.ACCEPTED, cst(3, 5)),
        upd(UpdateKind.REPLIED, cst(3, 20)),
        upd(UpdateKind.REVIEW_REQUESTED, cst(3, 25)),
    )
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    assert lifecycle.handling_level(AgencyLevel.COUNTY) is AgencyLevel.CITY
    review = lifecycle.latest(DeadlineStep.REVIEW_DECISION)
    assert review is not None
    assert review.responsible_level is AgencyLevel.PROVINCE  # not the county case's city
    # Back with the bureau after an objection, the case's own level counts again.
    again = engine(agency=BUREAU)
    apply(again, upd(UpdateKind.TRANSFERRED, cst(3, 3), to_agency=city_body))
    apply(again, upd(UpdateKind.NOT_ACCEPTED, cst(3, 6), reason="outside_competence: 不动产"))
    returned = again.lifecycle(CASE)
    assert returned is not None
    assert returned.handling_level(AgencyLevel.COUNTY) is AgencyLevel.COUNTY


def test_a_case_routed_to_the_competent_body_starts_its_acceptance_notice_art_23() -> None:
    eng = engine()
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    assert lifecycle.latest(DeadlineStep.TRANSFER) is None
    assert clock_of(eng, DeadlineStep.ACCEPTANCE) == ("Art. 23", "610302-housing", cst(3, 18, 0))
    (warning,) = eng.scan(cst(3, 15)).outputs
    assert isinstance(warning, DeadlineWarning)
    assert (warning.step, warning.article, warning.responsible_agency) == (
        DeadlineStep.ACCEPTANCE,
        "Art. 23",
        "610302-housing",
    )
    (breach,) = eng.scan(cst(3, 18, 1)).outputs
    assert isinstance(breach, CaseEscalated)
    assert breach.rule == "deadline.acceptance"
    assert breach.detail.startswith("acceptance limit (Art. 23) owed by 610302-housing due ")
    assert breach.target_agency == "610300-xfj"


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
    # The 60th day, 4 May, is in the Labour Day holiday (1-5 May): the limit rolls over
    # to the end of Wednesday 6 May (Civil Code Art. 203).
    assert due(eng, DeadlineStep.HANDLING) == cst(5, 7, 0)


def test_one_extension_of_at_most_30_days_with_a_reason_art_34() -> None:
    eng = engine()
    apply(eng, upd(UpdateKind.TRANSFERRED, cst(3, 3)), upd(UpdateKind.ACCEPTED, cst(3, 5)))
    no_reason = upd(UpdateKind.EXTENDED, cst(4, 20), extension_days=30)
    assert rejected(eng, no_reason) is RejectionReason.EXTENSION_WITHOUT_REASON
    no_days = upd(UpdateKind.EXTENDED, cst(4, 20), reason="needs a survey")
    assert rejected(eng, no_days) is RejectionReason.EXTENSION_WITHOUT_DAYS
    apply(eng, upd(UpdateKind.EXTENDED, cst(4, 20), reason="needs a survey", extension_days=30))
    assert status(eng) is CaseStatus.EXTENDED
    # 30 days after the limit's own last day (4 May), not after its roll-over to 6 May.
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
    # Due at the end of 6 May (rolled over Labour Day): 5 May is still in time.
    apply(eng, upd(UpdateKind.EXTENDED, cst(5, 5, 9), reason="survey", extension_days=10))
    eng = engine()
    apply(eng, upd(UpdateKind.ACCEPTED, cst(3, 5)))
    late = upd(UpdateKind.EXTENDED, cst(5, 7, 9), reason="survey", extension_days=10)
    assert rejected(eng, late) is RejectionReason.EXTENSION_AFTER_DEADLINE


def test_review_within_30_days_of_the_reply_and_its_decision_within_30_art_35() -> None:
    eng = engine()
    replied(eng)
    assert due(eng, DeadlineStep.REVIEW_REQUEST) == cst(5, 21, 0)
    apply(eng, upd(UpdateKind.REVIEW_REQUESTED, cst(5, 20)))
    # The 30th day, Friday 19 June, is the Dragon Boat Festival (19-21 June): the limit
    # ends with Monday 22 June.
    assert due(eng, DeadlineStep.REVIEW_DECISION) == cst(6, 23, 0)
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


def test_after_closing_only_a_rating_or_a_request_for_review() -> None:
    eng = engine()
    replied(eng)
    apply(eng, upd(UpdateKind.CLOSED, cst(4, 25)))
    for kind, extra in (
        (UpdateKind.ACCEPTED, {}),
        (UpdateKind.EXTENDED, {"reason": "survey", "extension_days": 5}),
        (UpdateKind.REPLIED, {}),
        (UpdateKind.REVIEW_DECIDED, {}),
        (UpdateKind.CLOSED, {}),
    ):
        assert rejected(eng, upd(kind, cst(4, 26), **extra)) is RejectionReason.CASE_CLOSED
    apply(eng, upd(UpdateKind.RATED, cst(4, 27), rating=Rating.SATISFIED))
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    assert lifecycle.rating_status(cst(4, 28)) is RatingStatus.SATISFIED
    assert lifecycle.status is CaseStatus.CLOSED


def review_clocks(eng: EscalationEngine) -> list[tuple[DeadlineStep, datetime, datetime | None]]:
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    return [
        (c.step, c.due_at, c.stopped_at)
        for c in lifecycle.clocks
        if c.step in (DeadlineStep.REVIEW_DECISION, DeadlineStep.RE_REVIEW_DECISION)
    ]


def test_closing_does_not_cut_the_petitioners_30_days_to_request_a_review_art_35() -> None:
    """Replied 20 March; the agency closes the case the next day, unrated. The petitioner
    requests a review on day 8: the case re-opens into the review, with the clocks it would
    have had, not closed."""
    not_closed = engine(received=cst(1, 30))
    apply(not_closed, upd(UpdateKind.ACCEPTED, cst(1, 30)), upd(UpdateKind.REPLIED, cst(3, 20)))
    apply(not_closed, upd(UpdateKind.REVIEW_REQUESTED, cst(3, 28)))

    eng = engine(received=cst(1, 30))
    apply(eng, upd(UpdateKind.ACCEPTED, cst(1, 30)), upd(UpdateKind.REPLIED, cst(3, 20)))
    apply(eng, upd(UpdateKind.CLOSED, cst(3, 21)))
    apply(eng, upd(UpdateKind.REVIEW_REQUESTED, cst(3, 28)))
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    assert (lifecycle.status, lifecycle.settled_at) == (CaseStatus.REVIEW_REQUESTED, None)
    # Owed by the city (one level up) 30 days on: the end of Monday 27 April.
    assert review_clocks(eng) == review_clocks(not_closed)
    assert review_clocks(eng) == [(DeadlineStep.REVIEW_DECISION, cst(4, 28, 0), None)]
    review = lifecycle.latest(DeadlineStep.REVIEW_DECISION)
    assert review is not None
    assert review.responsible_level is AgencyLevel.CITY
    assert lifecycle.stages[-1].stage is OpenStage.REVIEW
    # It runs as any review: its breach goes above the reviewing body.
    (breach,) = escalations(eng.scan(cst(4, 28, 1)).outputs)
    assert (breach.rule, breach.escalated_at, breach.target_level) == (
        "deadline.review_decision",
        cst(4, 28, 0),
        "province",
    )
    apply(eng, upd(UpdateKind.REVIEW_DECIDED, cst(4, 29)))
    assert status(eng) is CaseStatus.REVIEW_DECIDED


def test_a_dissatisfied_petitioner_of_a_case_closed_an_hour_after_the_reply_gets_a_review() -> None:
    eng = engine(received=cst(1, 30))
    apply(eng, upd(UpdateKind.ACCEPTED, cst(1, 30)), upd(UpdateKind.REPLIED, cst(3, 20)))
    apply(eng, upd(UpdateKind.CLOSED, cst(3, 20, 11)))
    rated = eng.on_update(upd(UpdateKind.RATED, cst(3, 21), rating=Rating.DISSATISFIED))
    assert not isinstance(rated, Rejection)
    assert [e.rule for e in escalations(rated)] == ["dissatisfied_rating"]
    apply(eng, upd(UpdateKind.REVIEW_REQUESTED, cst(3, 22)))
    assert status(eng) is CaseStatus.REVIEW_REQUESTED
    assert due(eng, DeadlineStep.REVIEW_DECISION) == cst(4, 22, 0)


def test_a_review_requested_after_the_window_of_a_closed_case_is_refused() -> None:
    eng = engine()
    replied(eng)  # 20 April: the window ends with 20 May
    apply(eng, upd(UpdateKind.CLOSED, cst(4, 25)))
    late = upd(UpdateKind.REVIEW_REQUESTED, cst(5, 21, 8))
    assert rejected(eng, late) is RejectionReason.CASE_CLOSED
    assert status(eng) is CaseStatus.CLOSED
    apply(eng, upd(UpdateKind.REVIEW_REQUESTED, cst(5, 20, 23)))
    assert status(eng) is CaseStatus.REVIEW_REQUESTED


def test_closing_after_the_review_opinion_does_not_cut_the_re_review_right_art_36() -> None:
    eng = engine()
    replied(eng)
    apply(
        eng,
        upd(UpdateKind.REVIEW_REQUESTED, cst(4, 25)),
        upd(UpdateKind.REVIEW_DECIDED, cst(5, 20)),
        upd(UpdateKind.CLOSED, cst(5, 21)),
    )
    # The review is decided: the case re-opens only for the re-review, within its window
    # (30 days from 20 May: the end of Friday 19 June, the Dragon Boat Festival, rolled
    # over to Monday 22 June).
    again = upd(UpdateKind.REVIEW_REQUESTED, cst(5, 25))
    assert rejected(eng, again) is RejectionReason.CASE_CLOSED
    late = upd(UpdateKind.RE_REVIEW_REQUESTED, cst(6, 23, 9))
    assert rejected(eng, late) is RejectionReason.CASE_CLOSED
    apply(eng, upd(UpdateKind.RE_REVIEW_REQUESTED, cst(6, 22, 9)))
    assert status(eng) is CaseStatus.RE_REVIEW_REQUESTED
    assert review_clocks(eng)[-1] == (DeadlineStep.RE_REVIEW_DECISION, cst(7, 23, 0), None)
    apply(eng, upd(UpdateKind.RE_REVIEW_DECIDED, cst(7, 10)), upd(UpdateKind.CLOSED, cst(7, 11)))
    # After the re-review the matter is terminated (Art. 36), closed or not.
    after = upd(UpdateKind.RE_REVIEW_REQUESTED, cst(7, 12))
    assert rejected(eng, after) is RejectionReason.MATTER_TERMINATED
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    assert lifecycle.terminated


#: What every refusal of a request after the re-review says (Art. 36).
NOT_ACCEPTED_AGAIN = (
    "after the re-review the same facts and reasons are not accepted again (Art. 36)"
)


def _re_reviewed(eng: EscalationEngine) -> None:
    """Replied 20 April, reviewed, re-reviewed: the re-review opinion on 10 July."""
    replied(eng)
    apply(
        eng,
        upd(UpdateKind.REVIEW_REQUESTED, cst(4, 25)),
        upd(UpdateKind.REVIEW_DECIDED, cst(5, 20)),
        upd(UpdateKind.RE_REVIEW_REQUESTED, cst(6, 1)),
        upd(UpdateKind.RE_REVIEW_DECIDED, cst(7, 10)),
    )


@pytest.mark.parametrize("terminated_first", [False, True], ids=["closed", "terminated, closed"])
def test_a_request_on_a_case_closed_after_its_re_review_is_refused_as_terminated_art_36(
    terminated_first: bool,
) -> None:
    """Closed after its re-review opinion (with or without the body's `terminated`), the
    case is a terminated matter: a review or re-review requested then is refused as
    matter_terminated, in the words of every such refusal, not as case_closed (which says
    only that it came too late)."""
    eng = engine()
    _re_reviewed(eng)
    before_closing = refusal(eng, upd(UpdateKind.RE_REVIEW_REQUESTED, cst(7, 10, 12)))
    assert (before_closing.reason, before_closing.detail) == (
        RejectionReason.MATTER_TERMINATED,
        NOT_ACCEPTED_AGAIN,
    )
    if terminated_first:
        apply(eng, upd(UpdateKind.TERMINATED, cst(7, 11)))
    apply(eng, upd(UpdateKind.CLOSED, cst(7, 12)))
    assert status(eng) is CaseStatus.CLOSED
    for kind in (UpdateKind.REVIEW_REQUESTED, UpdateKind.RE_REVIEW_REQUESTED):
        # The next day, and long after: the same answer.
        for at in (cst(7, 13), cst(12, 1)):
            refused = refusal(eng, upd(kind, at))
            assert (refused.reason, refused.detail) == (
                RejectionReason.MATTER_TERMINATED,
                NOT_ACCEPTED_AGAIN,
            ), (kind, at)
    # What a closed case refuses otherwise is still refused as closed, and the re-review
    # opinion may still be rated while its window is open.
    assert rejected(eng, upd(UpdateKind.ACCEPTED, cst(7, 13))) is RejectionReason.CASE_CLOSED
    apply(eng, upd(UpdateKind.RATED, cst(7, 14), rating=Rating.DISSATISFIED))
    assert status(eng) is CaseStatus.CLOSED


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


# --- a limit whose last day is a rest day (Civil Code Art. 203) ---------------------------


def rolling(on: bool) -> EscalationRules:
    return RULES.model_copy(
        update={"clocks": RULES.clocks.model_copy(update={"roll_over_rest_days": on})}
    )


def test_a_transfer_limit_ending_on_3_october_2025_ends_with_9_october() -> None:
    received = cst(9, 18, year=2025)  # 15 days: the last day is Friday 3 October
    rolled = engine(received=received, agency=BUREAU)
    assert due(rolled, DeadlineStep.TRANSFER) == cst(10, 10, 0, year=2025)
    off = engine(rules=rolling(False), received=received, agency=BUREAU)
    assert due(off, DeadlineStep.TRANSFER) == cst(10, 4, 0, year=2025)


def test_the_warning_comes_at_80_percent_of_the_rolled_over_span_and_names_its_end() -> None:
    received = cst(9, 18, year=2025)
    for rules, due_at, warned_at in (
        # 80% of 18 September 10:00 .. 10 October 00:00 (21 days 14 hours).
        (RULES, cst(10, 10, 0, year=2025), cst(10, 5, 16, year=2025) + timedelta(minutes=24)),
        # Without the roll-over: 80% of 15 days 14 hours, to the end of 3 October.
        (
            rolling(False),
            cst(10, 4, 0, year=2025),
            cst(9, 30, 21, year=2025) + timedelta(minutes=12),
        ),
    ):
        eng = engine(rules=rules, received=received, agency=BUREAU)
        assert eng.scan(warned_at).outputs == []  # the timer grace
        (warning,) = eng.scan(warned_at + rules.clocks.timer_grace).outputs
        assert isinstance(warning, DeadlineWarning)
        assert (warning.step, warning.due_at, warning.warned_at) == (
            DeadlineStep.TRANSFER,
            due_at,
            warned_at,
        )
        assert warning.warned_at - warning.started_at == (due_at - received) * 0.8
        (breach,) = eng.scan(due_at + rules.clocks.timer_grace).outputs
        assert isinstance(breach, CaseEscalated)
        assert breach.escalated_at == due_at


def test_a_limit_ending_on_the_adjusted_working_sunday_28_september_2025_does_not_roll() -> None:
    eng = engine(received=cst(9, 13, year=2025), agency=BUREAU)
    assert due(eng, DeadlineStep.TRANSFER) == cst(9, 29, 0, year=2025)


def test_acceptance_over_the_spring_festival_rolls_the_working_day_objection_does_not() -> None:
    # Transferred Sunday 1 February 2026: acceptance is due in 15 days, Monday 16 February,
    # inside the Spring Festival holiday (15-23 February): it ends with Tuesday 24th.
    # The objection counts 5 working days (2-6 February) and is the same either way.
    for rules, acceptance in ((RULES, cst(2, 25, 0)), (rolling(False), cst(2, 17, 0))):
        eng = engine(rules=rules, received=cst(1, 30))
        apply(eng, upd(UpdateKind.TRANSFERRED, cst(2, 1)))
        assert due(eng, DeadlineStep.ACCEPTANCE) == acceptance
        assert due(eng, DeadlineStep.COMPETENCE_OBJECTION) == cst(2, 7, 0)


def test_an_update_in_the_rolled_over_days_is_still_in_time() -> None:
    # Replied 7 September 2025: the review window's 30th day is 7 October, in the holiday.
    eng = engine(received=cst(7, 1, year=2025))
    apply(
        eng,
        upd(UpdateKind.ACCEPTED, cst(7, 2, year=2025)),
        upd(UpdateKind.REPLIED, cst(9, 7, year=2025)),
    )
    assert due(eng, DeadlineStep.REVIEW_REQUEST) == cst(10, 10, 0, year=2025)
    apply(eng, upd(UpdateKind.REVIEW_REQUESTED, cst(10, 9, 17, year=2025)))
    assert status(eng) is CaseStatus.REVIEW_REQUESTED


ROLLED_STEPS = {
    DeadlineStep.TRANSFER: RULES.time_limits.transfer.days,
    DeadlineStep.ACCEPTANCE: RULES.time_limits.acceptance.days,
    DeadlineStep.HANDLING: RULES.time_limits.handling.days,
    DeadlineStep.REVIEW_REQUEST: RULES.time_limits.review_request.days,
    DeadlineStep.REVIEW_DECISION: RULES.time_limits.review_decision.days,
    DeadlineStep.RE_REVIEW_REQUEST: RULES.time_limits.re_review_request.days,
    DeadlineStep.RE_REVIEW_DECISION: RULES.time_limits.re_review_decision.days,
    DeadlineStep.RATING: RULES.time_limits.rating.days,
}
FULL_PATH = (
    (UpdateKind.TRANSFERRED, 1),
    (UpdateKind.ACCEPTED, 3),
    (UpdateKind.REPLIED, 20),
    (UpdateKind.REVIEW_REQUESTED, 25),
    (UpdateKind.REVIEW_DECIDED, 40),
    (UpdateKind.RE_REVIEW_REQUESTED, 45),
    (UpdateKind.RE_REVIEW_DECIDED, 60),
)


@pytest.mark.parametrize("on", [True, False], ids=["roll-over", "no-roll-over"])
def test_every_calendar_day_limit_ends_on_a_working_day_over_2025_and_2026(on: bool) -> None:
    """Cases received on every day of two years, through all three levels: each
    calendar-day limit ends with its own last day if that is a working day, else with the
    first working day after it; without the roll-over, with its own last day."""
    rules = rolling(on)
    rolled: set[DeadlineStep] = set()
    checked = 0
    for offset in range(730):
        received = cst(1, 1, year=2025) + timedelta(days=offset)
        facts = CaseFacts(
            case_id=CASE,
            matter_id="MT-LIFE",
            received_at=received,
            region_code="610302",
            level=AgencyLevel.COUNTY,
            repeat_count=0,
        )
        path = [upd(kind, received + timedelta(days=n)) for kind, n in FULL_PATH]
        lifecycle = fold(facts, path, rules)
        assert isinstance(lifecycle, Lifecycle), lifecycle
        assert lifecycle.terminated
        for clock in lifecycle.clocks:
            if clock.step is DeadlineStep.COMPETENCE_OBJECTION:
                continue
            days = ROLLED_STEPS[clock.step]
            own_last = clock.started_at.astimezone(CHINA_TZ).date() + timedelta(days=days)
            last = (clock.due_at - timedelta(days=1)).astimezone(CHINA_TZ).date()
            assert clock.due_at.astimezone(CHINA_TZ).time() == time(0)
            skipped = [own_last + timedelta(days=n) for n in range((last - own_last).days)]
            if on:
                assert is_working_day(last), clock
                assert not any(is_working_day(d) for d in skipped), clock
            else:
                assert last == own_last, clock
            if last != own_last:
                rolled.add(clock.step)
            checked += 1
    assert checked > 730 * len(ROLLED_STEPS)
    assert rolled == (set(ROLLED_STEPS) if on else set())

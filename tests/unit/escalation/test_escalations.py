"""What the metrics read from outputs and updates: the step a breach missed (counted
once per deadline) and how long acceptance and the reply took."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.cases import CaseEscalated, CaseUpdate, EscalationReason, UpdateKind
from schemas.deadlines import DeadlineWarning
from services.common.casework.facts import case_facts
from services.common.casework.fold import FoldFailure, fold
from services.common.casework.lifecycle import Lifecycle, step_duration
from services.escalation.escalations import missed_step, next_timer_at, timed_outputs
from tests.unit.escalation.test_engine import (
    RULES,
    T0,
    day,
    fresh,
    update,
    verdict,
)


def _breaches_and_warnings() -> list[CaseEscalated | DeadlineWarning]:
    engine, _ = fresh()
    engine.on_verdict(verdict())
    return engine.scan(day(40)).outputs


def test_only_the_first_breach_of_a_deadline_counts_as_a_missed_step() -> None:
    outputs = _breaches_and_warnings()
    breaches = [
        o
        for o in outputs
        if isinstance(o, CaseEscalated) and o.reason is EscalationReason.DEADLINE_BREACH
    ]
    assert len(breaches) == 3  # Art. 22 missed: city, province, national a week apart
    assert [missed_step(b) for b in breaches] == ["transfer", None, None]


def test_warnings_and_rule_escalations_miss_no_step() -> None:
    engine, _ = fresh()
    (package,) = engine.on_verdict(verdict(repeat_count=3)).outputs
    assert isinstance(package, CaseEscalated)
    assert package.escalation_id == "ESC-XF-A-leadership_package"
    assert missed_step(package) is None
    warning = next(o for o in _breaches_and_warnings() if isinstance(o, DeadlineWarning))
    assert missed_step(warning) is None


def _lifecycle(*updates: CaseUpdate) -> Lifecycle:
    result = fold(case_facts(verdict(), RULES), updates, RULES)
    assert not isinstance(result, FoldFailure), result
    return result


def test_acceptance_is_timed_from_receipt_and_the_reply_from_acceptance() -> None:
    facts = case_facts(verdict(), RULES)
    transferred = update(UpdateKind.TRANSFERRED, day(2), 1)
    accepted = update(UpdateKind.ACCEPTED, day(5), 2)
    extended = update(UpdateKind.EXTENDED, day(50), 3, extension_days=20, reason="需勘验")
    replied = update(UpdateKind.REPLIED, day(70), 4)
    lifecycle = _lifecycle(transferred, accepted, extended, replied)
    assert step_duration(facts, lifecycle, accepted) == (UpdateKind.ACCEPTED, timedelta(days=5))
    # The extension does not restart the handling clock: 65 days from acceptance.
    assert step_duration(facts, lifecycle, replied) == (UpdateKind.REPLIED, timedelta(days=65))
    assert step_duration(facts, lifecycle, transferred) is None
    assert step_duration(facts, lifecycle, extended) is None
    assert facts.received_at == T0


_HISTORIES: list[tuple[CaseUpdate, ...]] = [
    (),
    (update(UpdateKind.TRANSFERRED, day(2), 1),),
    (update(UpdateKind.TRANSFERRED, day(2), 1), update(UpdateKind.ACCEPTED, day(5), 2)),
    (
        update(UpdateKind.TRANSFERRED, day(2), 1),
        update(UpdateKind.ACCEPTED, day(5), 2),
        update(UpdateKind.EXTENDED, day(50), 3, extension_days=20, reason="需勘验"),
    ),
    (
        update(UpdateKind.TRANSFERRED, day(2), 1),
        update(UpdateKind.ACCEPTED, day(5), 2),
        update(UpdateKind.REPLIED, day(70), 3),
    ),
]


@settings(max_examples=200)
@given(history=st.sampled_from(_HISTORIES), data=st.data())
def test_the_next_timer_is_the_first_timed_output_not_emitted(
    history: tuple[CaseUpdate, ...], data: st.DataObject
) -> None:
    # next_timer_at makes a clock's breaches only up to its first not emitted; the time is
    # that of the first timer not emitted among all of timed_outputs, in time order.
    facts = case_facts(verdict(), RULES)
    lifecycle = _lifecycle(*history)
    timers = timed_outputs(facts, lifecycle, RULES)
    assert timers, "every history here has a timer"
    emitted = data.draw(st.sets(st.sampled_from([t.output_id for t in timers])))
    expected = next((t.fire_at for t in timers if t.output_id not in emitted), None)
    assert next_timer_at(facts, lifecycle, RULES, emitted) == expected

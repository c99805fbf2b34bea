"""Hearings (听证) on a re-review: their time is not counted in the 30 days (Art. 36): the
calendar days in China on which a hearing took place, each whole."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from schemas.cases import CaseEscalated, CaseUpdate, UpdateKind
from schemas.deadlines import DeadlineStep, DeadlineWarning
from schemas.petitions import DeadLetter, RejectReason
from schemas.registry import CASES_DEDUPLICATED, CASES_UPDATES, PETITIONS_REJECTED
from services.cli.main import app as cli
from services.common.casework.lifecycle import Hearing
from services.common.casework.refusals import RejectionReason
from services.common.casework.status import CaseStatus
from services.escalation.engine import EscalationEngine, Rejection
from services.escalation.escalations import Output
from services.escalation.refused import dead_letters, invalid_transition
from services.escalation.replay import read_history, replay, to_json_line
from tests.unit.escalation.test_engine import _event_by_event, update, verdict
from tests.unit.escalation.test_lifecycle import (
    CASE,
    RULES,
    apply,
    cst,
    due,
    engine,
    refusal,
    rolling,
    status,
    upd,
)

#: Received 2 March 2026; the review decided 8 May; the re-review requested 1 June, 10:00.
#: The re-review opinion is due in 30 days: the end of Wednesday 1 July (no rest day).
TO_RE_REVIEW = (
    (UpdateKind.TRANSFERRED, cst(3, 3)),
    (UpdateKind.ACCEPTED, cst(3, 5)),
    (UpdateKind.REPLIED, cst(4, 1)),
    (UpdateKind.REVIEW_REQUESTED, cst(4, 10)),
    (UpdateKind.REVIEW_DECIDED, cst(5, 8)),
    (UpdateKind.RE_REVIEW_REQUESTED, cst(6, 1)),
)
RE_REVIEW_DUE = cst(7, 2, 0)
BREACH_RULE = "deadline.re_review_decision"


def re_review_requested(eng: EscalationEngine) -> None:
    apply(eng, *(upd(kind, at) for kind, at in TO_RE_REVIEW))


def hearing(started: datetime, ended: datetime | None) -> list[CaseUpdate]:
    updates = [upd(UpdateKind.HEARING_STARTED, started)]
    if ended is not None:
        updates.append(upd(UpdateKind.HEARING_ENDED, ended))
    return updates


def re_review_outputs(
    eng: EscalationEngine, updates: list[CaseUpdate], until: datetime
) -> list[tuple[datetime, Output]]:
    """Scan every hour from the re-review request to ``until``, applying ``updates`` when
    their time comes; the re-review clock's warnings and breaches with the scan time."""
    pending = sorted(updates, key=lambda u: u.occurred_at)
    fired: list[tuple[datetime, Output]] = []
    now = cst(6, 1)
    while now <= until:
        while pending and pending[0].occurred_at <= now:
            apply(eng, pending.pop(0))
        for output in eng.scan(now).outputs:
            if isinstance(output, DeadlineWarning):
                if output.step is DeadlineStep.RE_REVIEW_DECISION:
                    fired.append((now, output))
            elif output.rule == BREACH_RULE:
                fired.append((now, output))
        now += timedelta(hours=1)
    assert pending == []
    return fired


def split(fired: list[tuple[datetime, Output]]) -> tuple[DeadlineWarning, list[CaseEscalated]]:
    (warning,) = [o for _, o in fired if isinstance(o, DeadlineWarning)]
    return warning, [o for _, o in fired if isinstance(o, CaseEscalated)]


# --- the clock pauses -----------------------------------------------------------------------


def test_a_hearing_moves_the_deadline_and_the_warning_by_the_days_it_took() -> None:
    plain = engine()
    re_review_requested(plain)
    warned, breaches = split(re_review_outputs(plain, [], cst(7, 31)))
    assert (warned.due_at, breaches[0].escalated_at) == (RE_REVIEW_DUE, RE_REVIEW_DUE)

    heard = engine()
    re_review_requested(heard)
    started, ended = cst(6, 10, 9), cst(6, 11, 14) + timedelta(minutes=30)
    # 1 day 5 h 30 min on 10 and 11 June: two days not counted, each whole. The new last
    # day, 3 July, is a Friday: the deadline is its midnight.
    length = timedelta(days=2)
    fired = re_review_outputs(heard, hearing(started, ended), cst(7, 31))
    warning, moved = split(fired)
    assert warning.due_at == RE_REVIEW_DUE + length == due(heard, DeadlineStep.RE_REVIEW_DECISION)
    assert warning.warned_at == warned.warned_at + length
    assert warning.share_used == 0.8
    assert warning.warning_id != warned.warning_id  # a new deadline, a new id
    assert [b.escalated_at for b in moved] == [b.escalated_at + length for b in breaches]
    assert moved[0].target_level == breaches[0].target_level == "national"
    grace = RULES.clocks.timer_grace
    assert all(at >= output_time(output) + grace for at, output in fired)
    lifecycle = heard.lifecycle(CASE)
    assert lifecycle is not None
    assert lifecycle.hearings == (Hearing(started, ended),)
    assert lifecycle.status is CaseStatus.RE_REVIEW_REQUESTED


def output_time(output: Output) -> datetime:
    return output.warned_at if isinstance(output, DeadlineWarning) else output.escalated_at


def test_no_breach_while_a_hearing_runs_over_the_deadline() -> None:
    eng = engine()
    re_review_requested(eng)
    # The hearing runs from 28 June to 6 July, over the deadline (end of 1 July): nine
    # days not counted, so the last day is Friday 10 July.
    started, ended = cst(6, 28, 9), cst(7, 6, 9)
    fired = re_review_outputs(eng, hearing(started, ended), cst(8, 31))
    assert not any(started <= at < ended for at, _ in fired)
    warning, breaches = split(fired)
    # Warned on 25 June, before the hearing; its moved time (4 July) fell in the hearing,
    # when the clock was not running, so there is no second warning.
    assert (warning.due_at, warning.warned_at.date().isoformat()) == (RE_REVIEW_DUE, "2026-06-25")
    assert [b.escalated_at for b in breaches] == [RE_REVIEW_DUE + timedelta(days=9)]
    assert breaches[0].escalated_at == cst(7, 11, 0)


def test_a_hearing_still_running_holds_off_every_breach() -> None:
    eng = engine()
    re_review_requested(eng)
    fired = re_review_outputs(eng, hearing(cst(6, 20), None), cst(9, 30))
    assert fired == []


def test_a_re_review_opinion_during_a_hearing_ends_it() -> None:
    eng = engine()
    re_review_requested(eng)
    decided = upd(UpdateKind.RE_REVIEW_DECIDED, cst(7, 3))
    fired = re_review_outputs(eng, [*hearing(cst(6, 28), None), decided], cst(8, 31))
    assert [o for _, o in fired if isinstance(o, CaseEscalated)] == []
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    assert lifecycle.hearings == (Hearing(cst(6, 28), cst(7, 3)),)
    assert lifecycle.status is CaseStatus.RE_REVIEW_DECIDED
    assert lifecycle.terminated
    late_end = refusal(eng, upd(UpdateKind.HEARING_ENDED, cst(7, 4)))
    assert late_end.reason is RejectionReason.NOT_ALLOWED_IN_STATUS


def test_a_second_hearing_adds_its_time_and_the_rest_day_roll_over_comes_last() -> None:
    eng = engine()
    re_review_requested(eng)
    # 2 days 5 h 30 min, on 10, 11 and 12 June: the last day is Saturday 4 July, a rest
    # day, so the limit ends with Monday 6 July.
    apply(eng, *hearing(cst(6, 10, 9), cst(6, 12, 14) + timedelta(minutes=30)))
    assert due(eng, DeadlineStep.RE_REVIEW_DECISION) == cst(7, 7, 0)
    apply(eng, *hearing(cst(6, 15, 9), cst(6, 17, 9)))
    # Three more days (15, 16, 17 June) follow the limit's own last day with the first
    # hearing (4 July), not its rolled-over end: Tuesday 7 July.
    assert due(eng, DeadlineStep.RE_REVIEW_DECISION) == RE_REVIEW_DUE + timedelta(days=6)
    assert due(eng, DeadlineStep.RE_REVIEW_DECISION) == cst(7, 8, 0)


def test_without_the_roll_over_a_hearing_moves_the_deadline_onto_a_saturday() -> None:
    eng = engine(rules=rolling(False))
    re_review_requested(eng)
    # 10, 11 and 12 June: the last day is Saturday 4 July, and stays.
    apply(eng, *hearing(cst(6, 10, 9), cst(6, 12, 14) + timedelta(minutes=30)))
    assert due(eng, DeadlineStep.RE_REVIEW_DECISION) == RE_REVIEW_DUE + timedelta(days=3)


def test_an_end_that_overtakes_its_start_waits_for_it() -> None:
    eng = engine()
    re_review_requested(eng)
    start, end = hearing(cst(6, 10, 9), cst(6, 12, 9))
    assert eng.on_update(end) == []  # held: no hearing has started yet
    apply(eng, start)
    # 10, 11 and 12 June: the last day is Saturday 4 July, rolled over to Monday 6 July.
    assert due(eng, DeadlineStep.RE_REVIEW_DECISION) == cst(7, 7, 0)
    assert eng.scan(cst(6, 14)).rejections == []


#: Re-review requested Tuesday 12 May 2026: its limit ends with Thursday 11 June.
TO_RE_REVIEW_12_MAY = (*TO_RE_REVIEW[:5], (UpdateKind.RE_REVIEW_REQUESTED, cst(5, 12)))


@pytest.mark.parametrize(
    ("hearings", "days", "due_at"),
    [
        # One day on which a hearing took place: the limit ends with Friday 12 June,
        # however long the hearing was that day.
        ([(cst(6, 1, 9), cst(6, 1, 10))], 1, cst(6, 13, 0)),
        ([(cst(6, 1, 9), cst(6, 1, 23))], 1, cst(6, 13, 0)),
        # Two hearings on one day: the day is not counted, once.
        ([(cst(6, 1, 9), cst(6, 1, 10)), (cst(6, 1, 14), cst(6, 1, 15))], 1, cst(6, 13, 0)),
        # A hearing ending at midnight did not take place on the day that begins then.
        ([(cst(6, 1, 22), cst(6, 2, 0))], 1, cst(6, 13, 0)),
        # Two days (1 and 2 June), 24 or 25 hours alike: the last day is Saturday 13 June,
        # a rest day, so the limit ends with Monday 15 June.
        ([(cst(6, 1, 9), cst(6, 2, 9))], 2, cst(6, 16, 0)),
        ([(cst(6, 1, 9), cst(6, 2, 10))], 2, cst(6, 16, 0)),
        # Days in China: 15:30-16:30 UTC is 23:30-00:30 in Beijing, on two days.
        ([(datetime(2026, 6, 1, 15, 30, tzinfo=UTC), datetime(2026, 6, 1, 16, 30, tzinfo=UTC))],
         2, cst(6, 16, 0)),
    ],
    ids=["1h", "14h", "two-on-one-day", "to-midnight", "24h-over-two-days", "25h", "utc"],
)  # fmt: skip
def test_the_days_a_hearing_took_are_not_counted_each_whole_art_36(
    hearings: list[tuple[datetime, datetime]], days: int, due_at: datetime
) -> None:
    eng = engine()
    apply(eng, *(upd(kind, at) for kind, at in TO_RE_REVIEW_12_MAY))
    assert due(eng, DeadlineStep.RE_REVIEW_DECISION) == cst(6, 12, 0)
    for started, ended in hearings:
        apply(eng, *hearing(started, ended))
    # The deadline stays a midnight in China, as every limit's does.
    assert due(eng, DeadlineStep.RE_REVIEW_DECISION) == due_at
    lifecycle = eng.lifecycle(CASE)
    assert lifecycle is not None
    clock = lifecycle.latest(DeadlineStep.RE_REVIEW_DECISION)
    assert clock is not None
    assert clock.paused == timedelta(days=days)


# --- invalid hearing updates: refused with a named reason, dead-lettered --------------------


def test_a_hearing_outside_a_re_review_is_not_allowed() -> None:
    eng = engine()
    apply(eng, *(upd(kind, at) for kind, at in TO_RE_REVIEW[:3]))  # replied
    early = refusal(eng, upd(UpdateKind.HEARING_STARTED, cst(4, 5)))
    assert early.reason is RejectionReason.NOT_ALLOWED_IN_STATUS
    assert "hearing_started is not allowed while the case is replied" in early.detail


def test_an_end_without_a_start_and_a_second_start_are_refused() -> None:
    eng = engine()
    re_review_requested(eng)
    lone_end = refusal(eng, upd(UpdateKind.HEARING_ENDED, cst(6, 5)))
    assert lone_end.reason is RejectionReason.HEARING_NOT_STARTED
    apply(eng, upd(UpdateKind.HEARING_STARTED, cst(6, 10)))
    second = refusal(eng, upd(UpdateKind.HEARING_STARTED, cst(6, 11)))
    assert second.reason is RejectionReason.HEARING_IN_PROGRESS
    assert "since 2026-06-10T10:00:00+08:00" in second.detail
    apply(eng, upd(UpdateKind.HEARING_ENDED, cst(6, 12)))
    again = refusal(eng, upd(UpdateKind.HEARING_ENDED, cst(6, 13)))
    assert again.reason is RejectionReason.HEARING_NOT_STARTED


def test_a_hearing_after_the_re_review_deadline_is_refused() -> None:
    eng = engine()
    re_review_requested(eng)
    late = refusal(eng, upd(UpdateKind.HEARING_STARTED, cst(7, 2, 9)))
    assert late.reason is RejectionReason.HEARING_AFTER_DEADLINE
    assert status(eng) is CaseStatus.RE_REVIEW_REQUESTED


def test_refused_hearing_updates_go_to_the_dlq_as_invalid_transitions() -> None:
    eng = engine()
    re_review_requested(eng)
    # Held for its start, which never comes: refused by the scan, dead-lettered from there,
    # pointing at the message it was read from.
    lone_end = upd(UpdateKind.HEARING_ENDED, cst(6, 5))
    assert eng.on_update(lone_end, partition=3, offset=812) == []
    held_until = lone_end.occurred_at + RULES.clocks.reorder_tolerance + RULES.clocks.timer_grace
    (rejection,) = eng.scan(held_until).rejections
    now = cst(6, 6, 12)
    (output,) = dead_letters([rejection], "t1.", now)
    assert output.spec is PETITIONS_REJECTED
    assert output.value is not None
    letter = DeadLetter.model_validate_json(output.value)
    assert letter.reason is RejectReason.INVALID_TRANSITION
    assert letter.detail.startswith("hearing_not_started: no hearing is in progress")
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == (
        "t1.cases.updates",
        3,
        812,
    )
    assert base64.b64decode(letter.original_value_b64) == lone_end.to_json_bytes()
    assert json.loads(output.key) == {"submission_id": "t1.cases.updates:3:812"}
    # Refused at once (the case is closed): the consumer dead-letters what this raises.
    closed = engine()
    apply(closed, *(upd(kind, at) for kind, at in TO_RE_REVIEW[:3]))
    apply(closed, upd(UpdateKind.CLOSED, cst(4, 3)))
    at_once = closed.on_update(upd(UpdateKind.HEARING_STARTED, cst(4, 4)))
    assert isinstance(at_once, Rejection)
    raised = invalid_transition(at_once)
    assert raised.reason is RejectReason.INVALID_TRANSITION
    assert raised.detail == "case_closed: hearing_started after the case was closed"


# --- the replay (xinfang escalation-replay) ---------------------------------------------------


def _hearing_history() -> list[str]:
    def line(topic: str, value: Any) -> str:
        return json.dumps({"topic": topic, "value": value.model_dump(mode="json")})

    case = "XF-HEAR"
    steps = [
        *TO_RE_REVIEW,
        (UpdateKind.HEARING_STARTED, cst(6, 28, 9)),
        (UpdateKind.HEARING_ENDED, cst(7, 6, 9)),
        (UpdateKind.HEARING_ENDED, cst(7, 7, 9)),  # a second end: refused
    ]
    return [
        line(CASES_DEDUPLICATED.name, verdict(case)),
        *(
            line(CASES_UPDATES.name, update(kind, at, n, case_id=case))
            for n, (kind, at) in enumerate(steps)
        ),
    ]


def test_the_replay_pauses_the_re_review_clock_as_the_service_does(tmp_path: Path) -> None:
    until = cst(9, 30)
    lines = _hearing_history()
    events, problems = read_history(lines)
    assert problems == []
    replayed = [to_json_line(item) for item in replay(events, until, RULES)]
    assert replayed == [to_json_line(item) for item in _event_by_event(until, lines)]

    history = tmp_path / "hearing.jsonl"
    history.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["escalation-replay", str(history), "--until", until.isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == replayed
    records = [json.loads(line) for line in replayed]
    re_review = [
        r for r in records if r.get("step") == "re_review_decision" or r.get("rule") == BREACH_RULE
    ]
    # 28 June to 6 July: nine days not counted.
    moved = (RE_REVIEW_DUE + timedelta(days=9)).isoformat()
    assert [(r["type"], r.get("due_at"), r.get("escalated_at")) for r in re_review] == [
        ("warning", RE_REVIEW_DUE.isoformat(), None),
        ("escalation", (cst(7, 18, 0)).isoformat(), moved),
    ]
    (rejection,) = [r for r in records if r["type"] == "rejection"]
    assert (rejection["kind"], rejection["reason"]) == ("hearing_ended", "hearing_not_started")
    assert rejection["update_id"] == "XF-HEAR-u8"

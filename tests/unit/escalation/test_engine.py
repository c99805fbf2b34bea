"""Escalation rules, clocks, restarts and the replay, through the engine's public API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.cases import (
    CaseDeduplicated,
    CaseEscalated,
    CaseRegistered,
    CaseUpdate,
    DedupReason,
    EscalationReason,
    MaskedPerson,
    MatterState,
    Rating,
    UpdateKind,
    Verdict,
)
from schemas.deadlines import EXAMPLES, DeadlineStep, DeadlineWarning
from schemas.petitions import Channel
from schemas.registry import CASES_DEDUPLICATED, CASES_UPDATES
from services.common.casework.facts import case_facts
from services.common.casework.refusals import RejectionReason
from services.common.casework.risk import RiskHit
from services.common.casework.ruleset import DEFAULT_RULES_PATH, load_rules, parse_rules
from services.common.casework.status import CaseStatus
from services.common.casework.workdays import CHINA_TZ
from services.escalation.engine import MAX_HELD_UPDATES, EscalationEngine, Rejection
from services.escalation.escalations import Output, output_id
from services.escalation.replay import HistoryProblem, read_history, replay, to_json_line
from services.escalation.state import CaseState, StagedStore
from services.escalation.tables import InMemoryCaseStore

RULES = load_rules()
T0 = datetime(2026, 3, 2, 10, tzinfo=CHINA_TZ)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def fresh() -> tuple[EscalationEngine, InMemoryCaseStore]:
    store = InMemoryCaseStore()
    return EscalationEngine(RULES, store), store


def verdict(
    case_id: str = "XF-A", case: CaseRegistered | None = None, **fields: Any
) -> CaseDeduplicated:
    values: dict[str, Any] = {
        "case_id": case_id,
        "case": case or registered(case_id),
        "verdict": Verdict.NEW,
        "reason": DedupReason.FIRST_OF_MATTER,
        "matter_id": "MT-A",
        "first_case_id": case_id,
        "repeat_count": 0,
        "score": 1.0,
        "decided_at": T0 + timedelta(seconds=1),
    }
    values.update(fields)
    return CaseDeduplicated(**values)


def opened(engine: EscalationEngine, *verdicts: CaseDeduplicated) -> list[Output]:
    """Open cases from verdicts; return what they triggered (no rejections expected)."""
    outputs: list[Output] = []
    for one in verdicts:
        result = engine.on_verdict(one)
        assert result.rejections == []
        outputs += result.outputs
    return outputs


def registered(case_id: str = "XF-A", **fields: Any) -> CaseRegistered:
    values: dict[str, Any] = {
        "case_id": case_id,
        "submission_id": f"sub-{case_id}",
        "channel": Channel.ONLINE,
        "received_at": T0,
        "registered_at": T0,
        "petitioner_ref": f"pr_{case_id}",
        "petitioner": MaskedPerson(name_masked="张*"),
        "region_code": "610302",
        "title": "工资拖欠",
        "content": "包工头拖欠工资四个月。",
        "normalised_text": "工资拖欠",
    }
    values.update(fields)
    return CaseRegistered(**values)


def update(
    kind: UpdateKind,
    at: datetime,
    n: int,
    case_id: str = "XF-A",
    agency_code: str = "610302-labour",
    **fields: Any,
) -> CaseUpdate:
    return CaseUpdate(
        update_id=f"{case_id}-u{n}",
        case_id=case_id,
        kind=kind,
        occurred_at=at,
        agency_code=agency_code,
        **fields,
    )


def escalations(outputs: list[Output]) -> list[CaseEscalated]:
    return [o for o in outputs if isinstance(o, CaseEscalated)]


def warnings(outputs: list[Output]) -> list[DeadlineWarning]:
    return [o for o in outputs if isinstance(o, DeadlineWarning)]


def accepted(outputs: list[Output] | Rejection) -> list[Output]:
    assert not isinstance(outputs, Rejection), outputs
    return outputs


# --- clocks -------------------------------------------------------------------------------


def test_warning_at_80_percent_then_breaches_one_level_up_each_week_to_national() -> None:
    engine, _ = fresh()
    engine.on_verdict(verdict())
    due = datetime(2026, 3, 18, tzinfo=CHINA_TZ)  # Art. 22: 15 days after 2 March
    assert engine.scan(T0 + (due - T0) * 0.79).outputs == []
    (warning,) = engine.scan(T0 + (due - T0) * 0.8 + timedelta(hours=2)).outputs
    assert isinstance(warning, DeadlineWarning)
    assert (warning.step, warning.due_at, warning.share_used) == (DeadlineStep.TRANSFER, due, 0.8)
    assert warning.responsible_agency == "610302-xfj"
    assert engine.scan(due + timedelta(minutes=59)).outputs == []  # the timer grace
    (first,) = escalations(engine.scan(due + timedelta(hours=1)).outputs)
    assert first.reason is EscalationReason.DEADLINE_BREACH
    assert (first.target_level, first.target_agency) == ("city", "610300-xfj")
    assert first.due_at == due + timedelta(days=7)
    later = escalations(engine.scan(due + timedelta(days=30)).outputs)
    assert [(e.target_level, e.target_agency) for e in later] == [
        ("province", "610000-xfj"),
        ("national", "national-xfj"),
    ]
    # No supervision above national; what remains is the backlog rule at 90 days.
    rest = engine.scan(due + timedelta(days=80)).outputs
    assert [o.reason for o in escalations(rest)] == [EscalationReason.BACKLOG]


def test_an_update_that_stops_the_clock_in_time_prevents_the_breach() -> None:
    engine, _ = fresh()
    engine.on_verdict(verdict())
    # Transferred on day 14, but the update only reaches us after the deadline, within grace.
    accepted(engine.on_update(update(UpdateKind.TRANSFERRED, day(14), 1)))
    assert escalations(engine.scan(day(16.5)).outputs) == []


def test_an_extension_moves_the_handling_deadline_and_earns_a_new_warning() -> None:
    engine, _ = fresh()
    engine.on_verdict(verdict())
    accepted(engine.on_update(update(UpdateKind.ACCEPTED, day(1), 1)))
    handling_warnings = [w for w in warnings(engine.scan(day(55)).outputs) if w.step == "handling"]
    assert len(handling_warnings) == 1
    accepted(
        engine.on_update(
            update(UpdateKind.EXTENDED, day(56), 2, reason="需现场勘验", extension_days=30)
        )
    )
    outputs = engine.scan(day(85)).outputs
    assert escalations(outputs) == []
    (warning,) = warnings(outputs)
    # Accepted 3 March: the 60 days end on 2 May, in the Labour Day holiday, so handling
    # was due at the end of 6 May; the 30 more days follow 2 May itself: 1 June.
    assert handling_warnings[0].due_at == datetime(2026, 5, 7, tzinfo=CHINA_TZ)
    assert warning.due_at == datetime(2026, 6, 2, tzinfo=CHINA_TZ)


def test_a_late_review_decision_escalates_above_the_reviewing_body() -> None:
    engine, _ = fresh()
    engine.on_verdict(verdict())
    for n, (kind, at) in enumerate(
        [
            (UpdateKind.ACCEPTED, day(1)),
            (UpdateKind.REPLIED, day(20)),
            (UpdateKind.REVIEW_REQUESTED, day(25)),
        ]
    ):
        accepted(engine.on_update(update(kind, at, n)))
    breaches = [
        e for e in escalations(engine.scan(day(60)).outputs) if e.rule.endswith("review_decision")
    ]
    # The review is the city's (Art. 35): its breach goes to the province, then national.
    assert [e.target_level for e in breaches] == ["province"]


# --- rules --------------------------------------------------------------------------------


def test_the_repeat_count_reaching_3_makes_a_leadership_package_case_once() -> None:
    """repeat_count counts earlier petitions: the 4th petition has 3 and is the package."""
    engine, _ = fresh()
    assert opened(engine, verdict("XF-B", repeat_count=2)) == []
    (package,) = opened(engine, verdict("XF-C", repeat_count=3))
    assert isinstance(package, CaseEscalated)
    assert package.reason is EscalationReason.LEADERSHIP_PACKAGE
    assert package.escalation_id == "ESC-XF-C-leadership_package"
    assert package.rule == "leadership_package: repeat_count>=3"
    assert (package.target_level, package.target_agency) == ("city", "610300-xfj")
    # At the verdict's event time, the receipt, not dedup's wall-clock decided_at.
    assert package.escalated_at == T0
    # 30 days as a limit counts them (Art. 22-36): to the end of Wednesday 1 April in
    # China, not 30 x 24 hours from the receipt's 10:00.
    assert package.due_at == datetime(2026, 4, 2, tzinfo=CHINA_TZ)
    assert opened(engine, verdict("XF-D", repeat_count=4)) == []


def test_the_verdicts_escalations_are_at_its_receipt_not_at_the_dedup_decision() -> None:
    engine, _ = fresh()
    late = verdict(case=registered(content="不想活了"), decided_at=T0 + timedelta(days=3))
    (risk,) = escalations(opened(engine, late))
    assert risk.escalated_at == T0


def test_the_fifth_distinct_petitioner_on_a_joint_matter_makes_it_collective() -> None:
    engine, _ = fresh()
    fired = []
    petitioners = 0
    for n in range(7):
        case_id = f"XF-J{n}"
        # The second case repeats the first petitioner: not a new person.
        repeat = n == 1
        petitioners += 0 if repeat else 1
        joint = verdict(
            case_id,
            verdict=Verdict.REPEAT if repeat else Verdict.JOINT,
            reason=DedupReason.EXACT_REPEAT if repeat else DedupReason.JOINT_MATTER,
            open_case_id="XF-J0" if repeat else None,
            repeat_count=1 if repeat else 0,
            matter_petitions=n + 1,
            matter_petitioners=petitioners,
            collective=petitioners >= 5,
        )
        fired += escalations(opened(engine, joint))
    (collective,) = fired
    assert collective.case_id == "XF-J5"
    assert collective.reason is EscalationReason.COLLECTIVE_PETITION
    assert collective.due_at == collective.escalated_at + timedelta(hours=24)


def test_a_group_of_five_in_one_petition_is_collective() -> None:
    engine, _ = fresh()
    visit = registered("XF-G", group_size=12)
    (collective,) = opened(engine, verdict("XF-G", visit))
    assert isinstance(collective, CaseEscalated)
    assert collective.reason is EscalationReason.COLLECTIVE_PETITION


def test_risk_to_life_in_either_language_escalates_at_once() -> None:
    engine, _ = fresh()
    zh = registered("XF-R1", content="再拖下去我只能跳楼了")
    en = registered("XF-R2", title="Unpaid wages", content="He says he will set myself on fire")
    named = []
    for case in (zh, en):
        (risk,) = opened(engine, verdict(case.case_id, case))
        assert isinstance(risk, CaseEscalated)
        assert risk.reason is EscalationReason.RISK_TO_LIFE
        assert risk.due_at == risk.escalated_at + timedelta(hours=2)
        named.append((risk.rule, risk.detail))
    assert named == [
        ("risk_to_life: self_harm", "risk to life or safety (Art. 25): self_harm: 跳楼"),
        (
            "risk_to_life: self_immolation",
            "risk to life or safety (Art. 25): self_immolation: set myself on fire",
        ),
    ]
    assert opened(engine, verdict("XF-R3")) == []


def test_a_fuel_price_complaint_is_no_risk_and_fuel_with_fire_in_traditional_script_is() -> None:
    engine, _ = fresh()
    prices = registered("XF-R4", title="油价", content="加油站汽油价格一周涨了三次，请查处")
    assert opened(engine, verdict("XF-R4", prices)) == []
    threat = registered("XF-R5", title="討薪", content="再不給錢我就在門口潑汽油")
    (risk,) = escalations(opened(engine, verdict("XF-R5", threat)))
    assert (risk.rule, risk.detail) == (
        "risk_to_life: fire",
        "risk to life or safety (Art. 25): fire: 汽油 with 泼",
    )


def test_a_case_stored_with_bare_risk_words_reads_them_as_the_keywords_rule() -> None:
    stored = CaseState(facts=case_facts(verdict(), RULES)).to_json()
    stored["facts"].pop("risk_hits")
    stored["facts"]["risk_terms"] = ["跳楼"]
    facts = CaseState.from_json(stored).facts
    assert facts.risk_hits == (RiskHit(rule="keywords", word="跳楼"),)


def test_a_dissatisfied_rating_prompts_the_supervising_level() -> None:
    engine, _ = fresh()
    engine.on_verdict(verdict())
    accepted(engine.on_update(update(UpdateKind.ACCEPTED, day(1), 1)))
    accepted(engine.on_update(update(UpdateKind.REPLIED, day(30), 2)))
    outputs = accepted(
        engine.on_update(update(UpdateKind.RATED, day(31), 3, rating=Rating.DISSATISFIED))
    )
    (review,) = escalations(outputs)
    assert review.reason is EscalationReason.DISSATISFIED_RATING
    assert (review.target_level, review.target_agency) == ("city", "610300-xfj")
    # Rated Thursday 2 April, 10:00: due at the end of Saturday 2 May.
    assert review.due_at == datetime(2026, 5, 3, tzinfo=CHINA_TZ)


def test_a_case_open_beyond_90_days_is_backlog_unless_closed_in_time() -> None:
    engine, _ = fresh()
    engine.on_verdict(verdict("XF-OPEN"))
    engine.on_verdict(verdict("XF-DONE"))
    for n, (kind, at) in enumerate(
        [(UpdateKind.ACCEPTED, day(1)), (UpdateKind.REPLIED, day(40)), (UpdateKind.CLOSED, day(75))]
    ):
        accepted(engine.on_update(update(kind, at, n, case_id="XF-DONE")))
    backlog = [
        e
        for e in escalations(engine.scan(day(100)).outputs)
        if e.reason is EscalationReason.BACKLOG
    ]
    assert [e.case_id for e in backlog] == ["XF-OPEN"]
    assert backlog[0].escalated_at == datetime(2026, 6, 1, tzinfo=CHINA_TZ)


def backlogs(engine: EscalationEngine, until: datetime) -> list[CaseEscalated]:
    found = escalations(engine.scan(until).outputs)
    return [e for e in found if e.reason is EscalationReason.BACKLOG]


def test_a_case_replied_in_time_and_not_closed_is_no_backlog_case() -> None:
    # Replied on day 40 and never formally closed: handled (办结), not left unresolved.
    engine, _ = fresh()
    engine.on_verdict(verdict())
    for n, (kind, at) in enumerate([(UpdateKind.ACCEPTED, day(1)), (UpdateKind.REPLIED, day(40))]):
        accepted(engine.on_update(update(kind, at, n)))
    assert backlogs(engine, day(400)) == []


def test_a_review_left_without_its_opinion_is_a_backlog_case_of_the_review_stage() -> None:
    # Replied on day 40, review requested on day 50 and never decided: the review stage is
    # 90 days old on day 140; the review body is the city, so the province supervises.
    engine, _ = fresh()
    engine.on_verdict(verdict())
    for n, (kind, at) in enumerate(
        [
            (UpdateKind.ACCEPTED, day(1)),
            (UpdateKind.REPLIED, day(40)),
            (UpdateKind.REVIEW_REQUESTED, day(50)),
        ]
    ):
        accepted(engine.on_update(update(kind, at, n)))
    assert backlogs(engine, day(139)) == []
    (backlog,) = backlogs(engine, day(141))
    assert backlog.escalation_id == "ESC-XF-A-backlog-review"
    assert backlog.rule == "backlog.review: open>90d"
    assert backlog.escalated_at == datetime(2026, 7, 21, tzinfo=CHINA_TZ)  # 50 + 90 days
    assert (backlog.target_level, backlog.target_agency) == ("province", "610000-xfj")


def test_the_days_of_each_stage_are_set_in_the_rule_file() -> None:
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    shorter = parse_rules(text.replace("    handling: 90 ", "    handling: 60 "))
    engine = EscalationEngine(shorter, InMemoryCaseStore())
    engine.on_verdict(verdict())
    (backlog,) = backlogs(engine, day(62))
    assert backlog.escalation_id == "ESC-XF-A-backlog"
    assert backlog.rule == "backlog.handling: open>60d"


def test_a_repeat_joining_an_open_case_runs_no_clocks_of_its_own() -> None:
    engine, _ = fresh()
    repeat = verdict("XF-R", verdict=Verdict.REPEAT, open_case_id="XF-OPEN", repeat_count=1)
    engine.on_verdict(repeat)
    assert engine.scan(day(200)).outputs == []
    result = engine.on_update(update(UpdateKind.ACCEPTED, day(1), 1, case_id="XF-R"))
    assert isinstance(result, Rejection)
    assert result.reason == "linked_to_open_case"


def terminated_repeat(case_id: str = "XF-T", **fields: Any) -> CaseDeduplicated:
    """What dedup sends for a repeat after three-level termination (handling, review,
    re-review): no open case to join, the matter terminated."""
    values: dict[str, Any] = {
        "verdict": Verdict.REPEAT,
        "reason": DedupReason.EXACT_REPEAT,
        "first_case_id": "XF-FIRST",
        "open_case_id": None,
        "repeat_count": 1,
        "matter_state": MatterState.TERMINATED,
    }
    values.update(fields)
    return verdict(case_id, **values)


@pytest.mark.parametrize(
    "agency",
    [None, {"code": "610302-labour", "name": "渭滨区人社局", "level": "county",
            "region_code": "610302", "rule": "field:labour/county"}],
    ids=["with-the-bureau", "routed-to-the-body"],
)  # fmt: skip
def test_a_repeat_of_a_terminated_matter_runs_no_clock_and_is_not_accepted_again_art_36(
    agency: dict[str, Any] | None,
) -> None:
    engine, _ = fresh()
    assert opened(engine, terminated_repeat(case=registered("XF-T", agency=agency))) == []
    lifecycle = engine.lifecycle("XF-T")
    assert lifecycle is not None
    assert lifecycle.clocks == ()
    assert lifecycle.stages == ()  # nothing waits for an opinion: never a backlog case
    assert (lifecycle.status, lifecycle.settled_at) == (CaseStatus.TERMINATED, T0)
    assert lifecycle.terminated
    # No transfer (Art. 22) or acceptance (Art. 23) clock: no warning, no breach, ever.
    assert engine.scan(day(400)).outputs == []
    # Nothing takes the matter up again, refused at once: no earlier update could cure it.
    for n, (kind, extra) in enumerate(
        [
            (UpdateKind.ACCEPTED, {}),
            (UpdateKind.TRANSFERRED, {}),
            (UpdateKind.REPLIED, {}),
            (UpdateKind.REVIEW_REQUESTED, {}),
            (UpdateKind.RATED, {"rating": Rating.DISSATISFIED}),
        ]
    ):
        refused = engine.on_update(update(kind, day(1), n, case_id="XF-T", **extra))
        assert isinstance(refused, Rejection), kind
        assert refused.reason is RejectionReason.MATTER_TERMINATED
        assert refused.detail.startswith(f"{kind.value} on a repeat of a matter terminated")
        assert "(Art. 36)" in refused.detail
    lifecycle = engine.lifecycle("XF-T")
    assert lifecycle is not None
    assert (lifecycle.clocks, lifecycle.status) == ((), CaseStatus.TERMINATED)
    # The bureau may still file it.
    accepted(engine.on_update(update(UpdateKind.CLOSED, day(2), 9, case_id="XF-T")))
    assert engine.lifecycle("XF-T") == replace(lifecycle, status=CaseStatus.CLOSED,
                                               last_event_at=day(2))  # fmt: skip
    assert engine.scan(day(400)).outputs == []


def test_a_repeat_of_a_terminated_matter_still_meets_the_rules_on_its_content() -> None:
    # Risk to life is reported at once whatever the matter's state (Art. 25); the fourth
    # petition on a matter still makes a leadership package case.
    engine, _ = fresh()
    risky = terminated_repeat(case=registered("XF-T", content="再不解决我就跳楼"), repeat_count=3)
    reasons = [e.reason for e in escalations(opened(engine, risky))]
    assert reasons == [EscalationReason.LEADERSHIP_PACKAGE, EscalationReason.RISK_TO_LIFE]


def test_a_case_stored_before_terminated_matters_were_known_reads_as_not_one() -> None:
    stored = CaseState(facts=case_facts(terminated_repeat(), RULES)).to_json()
    assert stored["facts"].pop("terminated_matter") is True
    # Stored without the field: it keeps the clocks it started with.
    assert CaseState.from_json(stored).facts.terminated_matter is False


@pytest.mark.parametrize(
    ("verdict_kind", "state", "open_case"),
    [
        # A repeat of a closed (answered) matter: a new round of handling; the petitioner
        # keeps the route of review (Art. 35).
        (Verdict.REPEAT, MatterState.CLOSED, "XF-T"),
        # Another person's letter on a terminated matter is their own petition.
        (Verdict.JOINT, MatterState.TERMINATED, None),
    ],
    ids=["repeat-of-a-closed-matter", "joint-on-a-terminated-matter"],
)
def test_other_letters_on_a_closed_or_terminated_matter_are_handled_anew(
    verdict_kind: Verdict, state: MatterState, open_case: str | None
) -> None:
    engine, _ = fresh()
    opened(engine, terminated_repeat(verdict=verdict_kind, matter_state=state,
                                     open_case_id=open_case))  # fmt: skip
    lifecycle = engine.lifecycle("XF-T")
    assert lifecycle is not None
    assert [c.step for c in lifecycle.clocks] == [DeadlineStep.TRANSFER]
    accepted(engine.on_update(update(UpdateKind.ACCEPTED, day(3), 1, case_id="XF-T")))
    lifecycle = engine.lifecycle("XF-T")
    assert lifecycle is not None
    assert lifecycle.status is CaseStatus.ACCEPTED
    assert lifecycle.latest(DeadlineStep.HANDLING) is not None


# --- 120 days, restarts, exactly once -----------------------------------------------------


def test_120_days_of_a_case_run_in_well_under_a_second() -> None:
    engine, _ = fresh()
    started = time.perf_counter()
    engine.on_verdict(verdict())
    emitted: list[Output] = []
    for hour in range(120 * 24):
        now = T0 + timedelta(hours=hour)
        if hour == 5 * 24:
            accepted(engine.on_update(update(UpdateKind.TRANSFERRED, now, 1)))
        if hour == 8 * 24:
            accepted(engine.on_update(update(UpdateKind.ACCEPTED, now, 2)))
        emitted += engine.scan(now).outputs
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"120 simulated days took {elapsed:.2f}s"
    ids = [output_id(o) for o in emitted]
    assert len(ids) == len(set(ids))
    kinds = [
        (type(o).__name__, getattr(o, "step", None) or getattr(o, "reason", None)) for o in emitted
    ]
    assert kinds == [
        ("DeadlineWarning", "handling"),
        ("CaseEscalated", "deadline_breach"),
        ("CaseEscalated", "deadline_breach"),
        ("CaseEscalated", "deadline_breach"),
        ("CaseEscalated", "backlog"),
    ]
    # Art. 34: due 60 days after acceptance on day 8; then supervision week by week.
    assert [(e.target_level, e.escalated_at.date().isoformat()) for e in escalations(emitted)] == [
        ("city", "2026-05-10"),
        ("province", "2026-05-17"),
        ("national", "2026-05-24"),
        ("city", "2026-06-01"),
    ]


def _scenario(engine: EscalationEngine) -> list[Output]:
    """Two cases; returns what the events themselves emit."""
    return [
        *opened(engine, verdict("XF-P1", repeat_count=3)),
        *opened(engine, verdict("XF-P2", registered("XF-P2", content="不想活了"))),
        *accepted(engine.on_update(update(UpdateKind.ACCEPTED, day(2), 1, case_id="XF-P2"))),
        *accepted(engine.on_update(update(UpdateKind.REPLIED, day(20), 2, case_id="XF-P2"))),
        *accepted(
            engine.on_update(
                update(UpdateKind.RATED, day(21), 3, case_id="XF-P2", rating=Rating.DISSATISFIED)
            )
        ),
    ]


def _reference() -> set[str]:
    engine, _ = fresh()
    outputs = _scenario(engine) + engine.scan(day(200)).outputs
    return {output_id(o) for o in outputs}


REFERENCE = _reference()


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=200), st.booleans(), st.booleans(), st.booleans()
        ),
        max_size=25,
    )
)
def test_scans_and_crashes_never_lose_an_id_nor_make_a_new_one(
    steps: list[tuple[float, bool, bool, bool]],
) -> None:
    """The service's order: write through a staged store, publish, then commit. Scan at
    random times; after each publication maybe crash before the commit, maybe restart
    from the committed state (as from a changelog), maybe scan twice."""
    store = InMemoryCaseStore()
    staged = StagedStore(store)
    engine = EscalationEngine(RULES, staged)
    published: list[str] = []
    crashes = 0

    def publish(outputs: list[Output], commit: bool) -> None:
        nonlocal crashes
        published.extend(output_id(o) for o in outputs)
        if commit:
            staged.commit()
        else:
            staged.discard()  # the crash: outputs are out, the state change is lost
            crashes += 1

    for scenario_output in _scenario(engine):
        publish([scenario_output], commit=True)
    for offset, commit, restart, twice in sorted(steps):
        publish(engine.scan(day(offset)).outputs, commit)
        if twice:
            publish(engine.scan(day(offset)).outputs, commit)
        if restart:
            store = InMemoryCaseStore.from_snapshot(json.loads(json.dumps(store.snapshot())))
            staged = StagedStore(store)
            engine = EscalationEngine(RULES, staged)
    publish(engine.scan(day(200)).outputs, commit=True)
    assert set(published) == REFERENCE
    # Only what a crash before the commit lost is published again, with the same id.
    assert len(published) - len(set(published)) <= crashes * len(REFERENCE)
    assert engine.scan(day(200)).outputs == []


def test_without_crashes_every_id_is_published_exactly_once() -> None:
    engine, _ = fresh()
    published = [output_id(o) for o in _scenario(engine)]
    for hour in range(0, 200 * 24, 7):
        published += [output_id(o) for o in engine.scan(T0 + timedelta(hours=hour)).outputs]
    assert sorted(published) == sorted(REFERENCE)


def test_state_is_json_and_survives_a_restart() -> None:
    engine, store = fresh()
    _scenario(engine)
    snapshot = json.loads(json.dumps(store.snapshot()))
    restarted = InMemoryCaseStore.from_snapshot(snapshot)
    assert restarted.snapshot() == snapshot
    again = EscalationEngine(RULES, restarted)
    # Everything the events emitted is remembered: nothing is emitted again.
    assert opened(again, verdict("XF-P1", repeat_count=3)) == []
    rated = update(UpdateKind.RATED, day(21), 3, case_id="XF-P2", rating=Rating.DISSATISFIED)
    assert again.on_update(rated) == []


def test_a_crash_before_the_commit_repeats_the_same_ids() -> None:
    store = InMemoryCaseStore()
    staged = StagedStore(store)
    engine = EscalationEngine(RULES, staged)
    first = opened(engine, verdict("XF-P1", repeat_count=3))
    staged.discard()
    again = opened(engine, verdict("XF-P1", repeat_count=3))
    assert [output_id(o) for o in again] == [output_id(o) for o in first]
    staged.commit()
    assert opened(engine, verdict("XF-P1", repeat_count=3)) == []


# --- updates before their case --------------------------------------------------------------


def test_an_update_that_overtakes_its_verdict_is_held_then_applied() -> None:
    engine, _ = fresh()
    accepted(engine.on_update(update(UpdateKind.TRANSFERRED, day(3), 1)))
    result = engine.on_verdict(verdict())
    assert result.rejections == []
    lifecycle = engine.lifecycle("XF-A")
    assert lifecycle is not None
    assert lifecycle.status == "transferred"
    assert escalations(engine.scan(day(17)).outputs) == []  # Art. 22 stopped in time


def test_an_update_whose_verdict_never_comes_is_refused_after_the_tolerance() -> None:
    engine, _ = fresh()
    accepted(engine.on_update(update(UpdateKind.ACCEPTED, day(3), 1, case_id="XF-NONE"), 2, 40))
    assert engine.scan(day(3.9)).rejections == []
    (rejection,) = engine.scan(day(4.1)).rejections
    assert rejection.reason == "unknown_case"
    assert rejection.source is not None
    assert (rejection.source.partition, rejection.source.offset) == (2, 40)
    assert engine.scan(day(5)).rejections == []


def test_updates_held_for_a_case_never_seen_are_bounded_and_the_next_refused_at_once() -> None:
    # An agency (or a bug) sending updates for a case id that does not exist: the held
    # updates are one table value, which must not outgrow a changelog record.
    engine, store = fresh()
    for n in range(MAX_HELD_UPDATES):
        accepted(engine.on_update(update(UpdateKind.ACCEPTED, day(3), n, case_id="XF-NONE")))
    refused = engine.on_update(update(UpdateKind.ACCEPTED, day(3), 999, case_id="XF-NONE"))
    assert isinstance(refused, Rejection)
    assert refused.reason == "unknown_case"
    orphans = store.orphans("XF-NONE")
    assert orphans is not None
    assert len(orphans.held) == MAX_HELD_UPDATES
    # A redelivery of one held is still one held, not a refusal.
    accepted(engine.on_update(update(UpdateKind.ACCEPTED, day(3), 0, case_id="XF-NONE")))


def test_updates_held_for_their_predecessor_are_bounded_too() -> None:
    engine, store = fresh()
    engine.on_verdict(verdict())
    # Replies before any acceptance: each waits for the acceptance, up to the bound.
    for n in range(MAX_HELD_UPDATES):
        accepted(engine.on_update(update(UpdateKind.REPLIED, day(3), n)))
    refused = engine.on_update(update(UpdateKind.REPLIED, day(3), 999))
    assert isinstance(refused, Rejection)
    assert refused.reason == "not_allowed_in_status"
    state = store.get("XF-A")
    assert state is not None
    assert len(state.held) == MAX_HELD_UPDATES


# --- replay -------------------------------------------------------------------------------


def _history() -> list[str]:
    def line(topic: str, value: Any, at: datetime | None = None) -> str:
        record: dict[str, Any] = {"topic": topic, "value": value.model_dump(mode="json")}
        if at is not None:
            record["at"] = at.isoformat()
        return json.dumps(record, ensure_ascii=False)

    return [
        line(CASES_DEDUPLICATED.name, verdict("XF-H1", registered("XF-H1", content="我要去跳河"))),
        line(CASES_DEDUPLICATED.name, verdict("XF-H2", repeat_count=3)),
        line(CASES_UPDATES.name, update(UpdateKind.TRANSFERRED, day(3), 1, case_id="XF-H1")),
        # The reply overtakes the acceptance by three hours.
        line(CASES_UPDATES.name, update(UpdateKind.REPLIED, day(30), 3, case_id="XF-H1")),
        line(
            CASES_UPDATES.name,
            update(UpdateKind.ACCEPTED, day(29.9), 2, case_id="XF-H1"),
            at=day(30.1),
        ),
        line(
            CASES_UPDATES.name,
            update(UpdateKind.RATED, day(31), 4, case_id="XF-H1", rating=Rating.DISSATISFIED),
        ),
        line(CASES_UPDATES.name, update(UpdateKind.CLOSED, day(32), 5, case_id="XF-H1")),
        "",
    ]


def _event_by_event(
    until: datetime, lines: list[str] | None = None
) -> Iterator[Output | Rejection]:
    """What the engine yields, driven by hand as the service would, for a history."""
    engine, _ = fresh()
    events, problems = read_history(_history() if lines is None else lines)
    assert problems == []
    history = sorted(events, key=lambda item: (item.at, item.line))
    for item in history:
        scanned = engine.scan(item.at)
        yield from scanned.outputs
        yield from scanned.rejections
        event = item.event
        if isinstance(event, CaseDeduplicated):
            opened_case = engine.on_verdict(event)
            yield from opened_case.outputs
            yield from opened_case.rejections
        else:
            result = engine.on_update(event, offset=item.line)
            if isinstance(result, Rejection):
                yield result
            else:
                yield from result
    final = engine.scan(until)
    yield from final.outputs
    yield from final.rejections


def test_the_replay_yields_what_the_engine_yields_event_by_event() -> None:
    until = day(150)
    events, _ = read_history(_history())
    replayed = [to_json_line(item) for item in replay(events, until, RULES)]
    assert replayed == [to_json_line(item) for item in _event_by_event(until)]
    records = [json.loads(line) for line in replayed]
    reasons = [r.get("reason") or r.get("step") for r in records]
    assert reasons[:2] == ["risk_to_life", "leadership_package"]
    assert "dissatisfied_rating" in reasons
    assert "close_while_dissatisfied" in reasons  # the review window was still open
    assert all({"type", "case_id"} <= r.keys() for r in records)
    escalation = next(r for r in records if r["type"] == "escalation")
    assert {
        "escalation_id",
        "reason",
        "target_level",
        "target_agency",
        "due_at",
    } <= escalation.keys()


def test_bad_history_lines_are_named_and_the_others_read() -> None:
    good = _history()
    bare = json.loads(good[2])["value"]
    bad = [
        *good[:2],
        '{"topic": "cases.registered", "value": {}}',
        json.dumps(bare),
        '{"topic": "cases.updates", "value": {"update_id": "u"}}',
        "not json",
        *good[2:],
    ]
    events, problems = read_history(bad)
    assert [e.event for e in events] == [e.event for e in read_history(good)[0]]
    assert [str(p) for p in problems] == [
        "line 3: topic 'cases.registered' is not one of ['cases.deduplicated', 'cases.updates']",
        'line 4: a bare cases.updates event: wrap it as {"topic": "cases.updates", '
        '"value": <the event>}',
        "line 5: not a cases.updates event: value.case_id: Field required; value.kind: Field "
        "required; value.occurred_at: Field required (and 1 more)",
        "line 6: not JSON: Invalid JSON: expected ident at line 1 column 2",
    ]
    assert all(isinstance(p, HistoryProblem) for p in problems)


def test_the_warning_example_is_what_the_engine_computes() -> None:
    (example,) = EXAMPLES
    assert example.value is not None
    warning = DeadlineWarning.model_validate(example.value)
    engine, _ = fresh()
    opened(
        engine,
        verdict(
            warning.case_id,
            registered(
                warning.case_id,
                received_at=datetime(2026, 11, 20, 10, tzinfo=CHINA_TZ),
                agency={
                    "code": "610302-housing",
                    "name": "渭滨区住房和城乡建设局",
                    "level": "county",
                    "region_code": "610302",
                    "rule": "field:housing/county",
                },
            ),
            matter_id=warning.matter_id,
            decided_at=datetime(2026, 11, 20, 10, tzinfo=CHINA_TZ),
        ),
    )
    accepted(
        engine.on_update(
            update(
                UpdateKind.ACCEPTED,
                warning.started_at,
                1,
                case_id=warning.case_id,
                agency_code="610302-housing",
            )
        )
    )
    computed = [w for w in warnings(engine.scan(warning.due_at).outputs) if w.step == "handling"]
    assert computed == [warning]

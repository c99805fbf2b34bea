"""The escalation service on a real broker: a year of case history under the event clock,
the worker killed with SIGKILL twice mid-stream, and the exact set of escalation and
warning ids on the topics checked against the replay of the same history."""

from __future__ import annotations

import base64
import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.partitioner.default import murmur2

from schemas.cases import (
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
from schemas.keys import CaseKey
from schemas.petitions import Channel
from schemas.registry import (
    CASES_DEADLINES,
    CASES_DEDUPLICATED,
    CASES_ESCALATED,
    CASES_UPDATES,
    PETITIONS_REJECTED,
)
from services.cli.pipeline import LocalPipeline
from services.common.casework.ruleset import load_rules
from services.common.casework.workdays import CHINA_TZ
from services.devtools.kafka_local import KafkaLocal
from services.escalation.clock import event_time
from services.escalation.engine import Rejection
from services.escalation.replay import CaseEvent, HistoryEvent, replay
from tests.waiting import values

# Two kill -9s: this found the changelog/commit order (Service.settle), the mixed state of
# a local store after a crash (discard_state_of_unclean_stop) and Faust's resume-before-seek
# after a restore (services/common/faust_fixes.py). It is also in `make test-reliability`,
# which runs the kill scenarios again and again.
pytestmark = [pytest.mark.integration, pytest.mark.kill]

START = datetime(2026, 1, 5, 9, tzinfo=CHINA_TZ)
END = START + timedelta(days=365)
CASES = 200
PARTITIONS = CASES_UPDATES.partitions
RULES = load_rules()


def _key(case_id: str) -> bytes:
    return CaseKey(case_id=case_id).to_json_bytes()


def _partition(case_id: str) -> int:
    # The producer's default partitioner (murmur2, as Kafka's Java client and Faust).
    hashed: int = murmur2(_key(case_id))
    return (hashed & 0x7FFFFFFF) % PARTITIONS


def _verdict(case_id: str, received: datetime, rng: random.Random) -> CaseDeduplicated:
    risky = rng.random() < 0.05
    case = CaseRegistered(
        case_id=case_id,
        submission_id=f"sub-{case_id}",
        channel=Channel.ONLINE,
        received_at=received,
        registered_at=received,
        petitioner_ref=f"pr_{case_id.lower()}",
        petitioner=MaskedPerson(name_masked="李*"),
        region_code=rng.choice(["610302", "110105", "440305"]),
        title="工资拖欠",
        content="拖欠工资半年，再不解决我就去跳河" if risky else "拖欠工资半年。",
        normalised_text="工资拖欠",
    )
    # Dedup's repeat count: earlier petitions of the same petitioner on the matter; the
    # leadership package fires on the one that reaches 3, not on 2 nor on 4.
    repeat_count = rng.choice([0] * 7 + [2, 3, 4])
    return CaseDeduplicated(
        case_id=case_id,
        case=case,
        verdict=Verdict.NEW,
        reason=DedupReason.FIRST_OF_MATTER,
        matter_id=f"MT-{case_id}",
        first_case_id=case_id,
        repeat_count=repeat_count,
        score=1.0,
        # Dedup's wall clock: the service takes the case's received_at as event time.
        decided_at=datetime.now(UTC),
    )


def _updates(case_id: str, received: datetime, rng: random.Random) -> list[CaseUpdate]:
    """A plausible path: some on time, some late, some stuck, a few invalid."""
    n = iter(range(100))
    steps: list[tuple[UpdateKind, float, dict[str, Any]]] = []
    path = rng.random()
    at = rng.uniform(1, 20)  # days after receipt; past 15 breaches Art. 22
    if path < 0.1:
        return []  # nobody acts: every breach up to national, then backlog
    steps.append((UpdateKind.TRANSFERRED, at, {}))
    if path < 0.15:
        # A reply without an acceptance: held, then refused when the tolerance ends.
        steps.append((UpdateKind.REPLIED, at + 3, {}))
        return _built(case_id, received, steps, n)
    at += rng.uniform(1, 18)
    steps.append((UpdateKind.ACCEPTED, at, {}))
    if path < 0.2:
        steps.append((UpdateKind.EXTENDED, at + 30, {"extension_days": 20}))  # no reason
    if path < 0.35:
        steps.append((UpdateKind.EXTENDED, at + 40, {"extension_days": 30, "reason": "需勘验"}))
        at += rng.uniform(45, 95)
    else:
        at += rng.uniform(10, 75)
    steps.append((UpdateKind.REPLIED, at, {}))
    rating = rng.choice([Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.DISSATISFIED])
    steps.append((UpdateKind.RATED, at + rng.uniform(1, 10), {"rating": rating}))
    if rating is Rating.DISSATISFIED:
        at += 12
        steps.append((UpdateKind.REVIEW_REQUESTED, at, {}))
        at += rng.uniform(5, 40)
        steps.append((UpdateKind.REVIEW_DECIDED, at, {}))
        if rng.random() < 0.6:
            # A re-review with a hearing, whose days are not counted (Art. 36); now and
            # then the end of a hearing that never started (refused, to the DLQ).
            at += rng.uniform(2, 20)
            steps.append((UpdateKind.RE_REVIEW_REQUESTED, at, {}))
            hearing, length = at + rng.uniform(3, 20), rng.uniform(2, 15)
            if rng.random() < 0.2:
                steps.append((UpdateKind.HEARING_ENDED, hearing, {}))
            else:
                steps.append((UpdateKind.HEARING_STARTED, hearing, {}))
                steps.append((UpdateKind.HEARING_ENDED, hearing + length, {}))
            steps.append((UpdateKind.RE_REVIEW_DECIDED, at + rng.uniform(25, 45) + length, {}))
    else:
        steps.append((UpdateKind.CLOSED, at + 11, {}))
    return _built(case_id, received, steps, n)


def _built(
    case_id: str,
    received: datetime,
    steps: list[tuple[UpdateKind, float, dict[str, Any]]],
    n: Any,
) -> list[CaseUpdate]:
    return [
        CaseUpdate(
            update_id=f"{case_id}-u{next(n)}",
            case_id=case_id,
            kind=kind,
            occurred_at=received + timedelta(days=days),
            agency_code="610302-labour",
            **extra,
        )
        for kind, days, extra in steps
    ]


def _history() -> list[HistoryEvent]:
    """A year of cases, then one sentinel case per partition whose events at END carry
    both inputs' watermarks (the event clock) to END on every partition."""
    rng = random.Random(20260105)
    events: list[CaseEvent] = []
    for number in range(CASES):
        case_id = f"XF-Y{number:05d}"
        received = START + timedelta(days=rng.uniform(0, 300), minutes=number)
        events.append(_verdict(case_id, received, rng))
        events += [u for u in _updates(case_id, received, rng) if u.occurred_at < END]
    sentinels: dict[int, str] = {}
    candidate = 0
    while len(sentinels) < PARTITIONS:
        sentinel = f"XF-END{candidate:04d}"
        sentinels.setdefault(_partition(sentinel), sentinel)
        candidate += 1
    for case_id in sentinels.values():
        events.append(_verdict(case_id, END, random.Random(0)))
        events.append(_built(case_id, END, [(UpdateKind.TRANSFERRED, 0, {})], iter(range(9)))[0])
    timed = [HistoryEvent(i, event_time(e), e) for i, e in enumerate(events, start=1)]
    return sorted(timed, key=lambda item: (item.at, item.line))


def _publish(bootstrap: str, prefix: str, history: list[HistoryEvent]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    try:
        for item in history:
            spec = CASES_DEDUPLICATED if isinstance(item.event, CaseDeduplicated) else CASES_UPDATES
            producer.send(
                spec.full_name(prefix),
                key=_key(item.event.case_id),
                value=item.event.to_json_bytes(),
            )
        producer.flush(timeout=60)
    finally:
        producer.close()


def _ids(bootstrap: str, prefix: str) -> tuple[list[str], list[str]]:
    escalations = [v["escalation_id"] for v in values(bootstrap, CASES_ESCALATED.full_name(prefix))]
    warnings = [v["warning_id"] for v in values(bootstrap, CASES_DEADLINES.full_name(prefix))]
    return escalations, warnings


def _wait(
    condition: Callable[[], bool], timeout: float, what: str, tail: Callable[[], str]
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(1.0)
    raise AssertionError(f"{what} not reached in {timeout}s\n{tail()}")


def _uncommitted(bootstrap: str, group: str, prefix: str) -> dict[str, tuple[int, int]]:
    """Input partitions whose committed offset is short of the end: (committed, end)."""
    from kafka import KafkaConsumer, TopicPartition

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="xinfang-test")
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="xinfang-test")
    try:
        committed = admin.list_group_offsets({group: None}).get(group, {})
        tps = [
            TopicPartition(spec.full_name(prefix), p)
            for spec in (CASES_DEDUPLICATED, CASES_UPDATES)
            for p in range(PARTITIONS)
        ]
        ends = consumer.end_offsets(tps)
        done = {tp: committed[tp].offset if tp in committed else -1 for tp in tps}
        return {f"{tp.topic}/{tp.partition}": (done[tp], ends[tp]) for tp in tps
                if done[tp] < ends[tp]}  # fmt: skip
    finally:
        consumer.close()
        admin.close()


def test_a_year_of_updates_with_two_kills_escalates_exactly_the_replayed_set(
    kafka: KafkaLocal, prefix: str, pipeline: LocalPipeline
) -> None:
    history = _history()
    expected = list(replay(history, END, RULES))
    want_escalations = {o.escalation_id for o in expected if isinstance(o, CaseEscalated)}
    want_warnings = {o.warning_id for o in expected if not isinstance(o, CaseEscalated | Rejection)}
    want_rejected = {o.update.update_id for o in expected if isinstance(o, Rejection)}
    assert len(want_escalations) > 300
    assert len(want_warnings) > 100
    assert want_rejected

    pipeline.extra_env.update(
        {"XINFANG_ESCALATION_CLOCK": "event", "XINFANG_ESCALATION_TICK_SECONDS": "0.5"}
    )
    bootstrap = kafka.bootstrap

    def tail() -> str:
        return pipeline.log_tail("escalation")

    thirds = [history[: len(history) // 3], history[len(history) // 3 : 2 * len(history) // 3]]
    thirds.append(history[2 * len(history) // 3 :])
    pipeline.start("escalation")
    pipeline.wait_healthy(timeout=180)
    for number, chunk in enumerate(thirds):
        _publish(bootstrap, prefix, chunk)
        if number == 2:
            break
        seen = len(set(_ids(bootstrap, prefix)[0]))
        # Kill mid-stream: once the worker has published more than before, not all.
        _wait(
            lambda seen=seen: len(set(_ids(bootstrap, prefix)[0])) > seen + 10,  # type: ignore[misc]
            180,
            "progress before the kill",
            tail,
        )
        pipeline.kill("escalation")
        pipeline.start("escalation")

    def complete() -> bool:
        escalations, warnings = _ids(bootstrap, prefix)
        return want_escalations <= set(escalations) and want_warnings <= set(warnings)

    def missing() -> str:
        escalations, warnings = _ids(bootstrap, prefix)
        lost = sorted((want_escalations - set(escalations)) | (want_warnings - set(warnings)))
        extra = sorted((set(escalations) - want_escalations) | (set(warnings) - want_warnings))
        return f"missing {len(lost)}: {lost[:10]}\nextra {len(extra)}: {extra[:10]}"

    _wait(complete, 150, "every replayed escalation and warning", missing)
    group = f"{prefix}xinfang-escalation"
    _wait(
        lambda: not _uncommitted(bootstrap, group, prefix),
        120,
        "inputs committed",
        lambda: f"{_uncommitted(bootstrap, group, prefix)}\n{tail()}",
    )
    escalations, warnings = _ids(bootstrap, prefix)
    assert set(escalations) == want_escalations
    assert set(warnings) == want_warnings
    letters = values(bootstrap, PETITIONS_REJECTED.full_name(prefix))
    rejected = {
        json.loads(base64.b64decode(letter["original_value_b64"]))["update_id"]
        for letter in letters
        if letter["stage"] == "escalation"
    }
    assert rejected == want_rejected
    assert {letter["reason"] for letter in letters} == {"invalid_transition"}
    # A kill between the broker's acknowledgement and the state's changelog may send an
    # output again: with the same id, so consumers skip it. Report how often it happened.
    resent = len(escalations) - len(set(escalations)) + len(warnings) - len(set(warnings))
    print(f"{len(set(escalations))} escalations, {len(set(warnings))} warnings, {resent} resent")

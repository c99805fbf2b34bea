"""The event clock: each input's watermark per partition, and now as the lower of the two."""

from __future__ import annotations

from datetime import timedelta

from schemas.cases import UpdateKind
from schemas.registry import CASES_DEDUPLICATED, CASES_UPDATES
from services.escalation.clock import advance, event_now, event_time, watermark_key
from tests.unit.escalation.test_engine import T0, registered, update, verdict


def test_a_watermark_never_moves_back() -> None:
    first = advance(None, T0)
    assert first == T0.isoformat()
    later = advance(first, T0 + timedelta(hours=1))
    assert advance(later, T0) == later  # an out-of-order event leaves it
    assert advance(later, T0 + timedelta(hours=1)) == later


def test_now_is_the_lower_of_the_two_inputs_and_waits_for_both() -> None:
    table: dict[str, str] = {}
    table[watermark_key(CASES_UPDATES, 1)] = (T0 + timedelta(days=9)).isoformat()
    assert event_now(table, 1) is None  # no verdict seen on partition 1: the clock holds
    table[watermark_key(CASES_DEDUPLICATED, 1)] = (T0 + timedelta(days=3)).isoformat()
    assert event_now(table, 1) == T0 + timedelta(days=3)
    table[watermark_key(CASES_DEDUPLICATED, 1)] = (T0 + timedelta(days=12)).isoformat()
    assert event_now(table, 1) == T0 + timedelta(days=9)
    assert event_now(table, 0) is None  # partitions keep their own clocks


def test_watermark_keys_name_the_input_and_the_partition() -> None:
    assert watermark_key(CASES_UPDATES, 3) == "watermark/cases.updates/3"
    assert watermark_key(CASES_DEDUPLICATED, 3) != watermark_key(CASES_UPDATES, 3)


def test_a_verdict_happens_when_its_case_was_received_not_when_dedup_decided() -> None:
    late = verdict(case=registered(received_at=T0), decided_at=T0 + timedelta(days=2))
    assert event_time(late) == T0
    assert event_time(update(UpdateKind.ACCEPTED, T0 + timedelta(days=4), 1)) == T0 + timedelta(
        days=4
    )

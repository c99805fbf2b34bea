"""The event clock: each input's watermark per partition, and now as the lower of the two."""

from __future__ import annotations

from datetime import timedelta

from schemas.cases import UpdateKind
from schemas.registry import CASES_DEDUPLICATED, CASES_UPDATES
from services.common.batch import Batch
from services.common.batch_reads import ReadInBatch
from services.escalation.app import _once_per_batch
from services.escalation.clock import (
    advance,
    event_now,
    event_time,
    is_watermark_key,
    watermark_key,
)
from services.escalation.tables import due_list_key
from tests.unit.common.test_batch_reads import in_batch
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


def test_a_batch_writes_each_watermark_once_when_it_ends_after_its_case_rows() -> None:
    # Every verdict advances its partition's watermark: in a batch only the last value
    # reaches the table, at the batch's end, after the case rows written meanwhile.
    table: dict[str, object] = {}
    state = ReadInBatch(table, later=_once_per_batch, first=due_list_key)
    key = watermark_key(CASES_DEDUPLICATED, 0)
    batch = Batch()
    with in_batch(batch):
        for days in (1, 2, 3):
            state[f"case/XF-{days}"] = {"n": days}
            state[key] = advance(state.get(key), T0 + timedelta(days=days))
        assert state.get(key) == (T0 + timedelta(days=3)).isoformat()
        assert key not in table
        assert "case/XF-3" in table
    with in_batch(batch):
        batch.end()
    assert table[key] == (T0 + timedelta(days=3)).isoformat()
    assert list(table)[-1] == key
    assert is_watermark_key(key)
    assert not is_watermark_key("case/XF-1")

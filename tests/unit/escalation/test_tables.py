"""The service's one table: the due index by hour, the open-case rows, and what a crash
between any two writes leaves (a prefix of the changelog) followed by redelivery."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from schemas.cases import Rating, UpdateKind
from services.escalation.engine import EscalationEngine, Rejection, StepResult
from services.escalation.escalations import Output, output_id
from services.escalation.state import StagedStore
from services.escalation.tables import (
    BUCKET_ENTRIES,
    InMemoryCaseStore,
    TableCaseStore,
    bucket_of,
    buckets_of,
    open_cases,
)
from tests.unit.escalation.test_engine import RULES, T0, day, registered, update, verdict

Write = tuple[str, Any]


class Changelog(dict[str, Any]):
    """A dict that records every write and delete in order, as a changelog topic would."""

    def __init__(self, initial: dict[str, Any] | None = None) -> None:
        super().__init__(initial or {})
        self.writes: list[Write] = []
        self.reads: list[str] = []

    def __setitem__(self, key: str, value: Any) -> None:
        self.writes.append((key, value))
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.writes.append((key, None))
        super().__delitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.reads.append(key)
        return super().get(key, default)


def restored(writes: list[Write]) -> dict[str, Any]:
    """The table a worker rebuilds from a changelog holding ``writes``."""
    table: dict[str, Any] = {}
    for key, value in writes:
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
    return table


def test_a_case_is_indexed_in_the_hour_bucket_of_its_next_timer() -> None:
    table = Changelog()
    store = TableCaseStore(table, 2)
    EscalationEngine(RULES, store).on_verdict(verdict())
    state = store.get("XF-A")
    assert state is not None
    assert state.next_fire_at is not None
    bucket = bucket_of(state.next_fire_at)
    assert table["due/2"] == [bucket]
    assert table[f"due/2/{bucket}"] == {"XF-A": state.next_fire_at.isoformat()}
    assert store.due(state.next_fire_at - timedelta(seconds=1)) == []
    assert store.due(state.next_fire_at) == ["XF-A"]


def test_the_scan_reads_only_the_buckets_due_by_then() -> None:
    table = Changelog()
    store = TableCaseStore(table, 0)
    engine = EscalationEngine(RULES, store)
    for n in range(5):
        received = T0 + timedelta(days=20 * n)
        engine.on_verdict(verdict(f"XF-{n}", registered(f"XF-{n}", received_at=received)))
    assert len(table["due/0"]) == 5
    table.reads.clear()
    # The first case's warning (80% of 15 days) is due; the others are weeks later.
    assert store.due(T0 + timedelta(days=13)) == ["XF-0"]
    read_buckets = [key for key in table.reads if key.startswith("due/0/")]
    assert read_buckets == [f"due/0/{table['due/0'][0]}"]


def test_an_entry_moves_with_its_case_and_an_empty_bucket_is_dropped() -> None:
    table = Changelog()
    engine = EscalationEngine(RULES, TableCaseStore(table, 0))
    engine.on_verdict(verdict())
    (first,) = table["due/0"]
    engine.on_update(update(UpdateKind.ACCEPTED, day(1), 1))  # handling: 60 days on
    (second,) = table["due/0"]
    assert second > first
    assert f"due/0/{first}" not in table
    engine.on_update(update(UpdateKind.REPLIED, day(3), 2))
    engine.on_update(update(UpdateKind.RATED, day(4), 3, rating=Rating.SATISFIED))
    engine.on_update(update(UpdateKind.CLOSED, day(5), 4))
    # Settled and nothing pending: no entry, no bucket, no open row.
    assert table["due/0"] == []
    assert not [key for key in table if key.startswith(("due/0/", "open/"))]


def test_orphans_are_indexed_at_their_earliest_update_and_released_with_the_case() -> None:
    table = Changelog()
    store = TableCaseStore(table, 1)
    engine = EscalationEngine(RULES, store)
    engine.on_update(update(UpdateKind.TRANSFERRED, day(3), 1))
    assert store.due(day(3)) == ["XF-A"]
    assert "orphans/XF-A" in table
    engine.on_verdict(verdict())
    assert "orphans/XF-A" not in table
    assert store.due(day(3)) == []  # the transfer stopped Art. 22; nothing due yet


def test_the_writes_of_a_case_keep_an_order_any_prefix_of_which_is_safe() -> None:
    table = Changelog()
    engine = EscalationEngine(RULES, TableCaseStore(table, 0))
    engine.on_verdict(verdict())
    table.writes.clear()
    engine.on_update(update(UpdateKind.ACCEPTED, day(1), 1))
    keys = [key for key, _ in table.writes]
    new_bucket = next(i for i, k in enumerate(keys) if k.startswith("due/0/") and table.get(k))
    case_row = keys.index("case/XF-A")
    old_removed = next(i for i, (k, v) in enumerate(table.writes) if k.startswith("due/0/")
                       and v is None)  # fmt: skip
    assert new_bucket < case_row < old_removed


def test_an_entry_a_crash_left_behind_is_removed_by_the_scan() -> None:
    table = Changelog()
    store = TableCaseStore(table, 0)
    engine = EscalationEngine(RULES, store)
    engine.on_verdict(verdict())
    stale = bucket_of(day(1))
    table["due/0"] = sorted([*table["due/0"], stale])
    table[f"due/0/{stale}"] = {"XF-A": day(1).isoformat()}
    assert store.due(day(2)) == []
    assert stale not in table["due/0"]
    assert f"due/0/{stale}" not in table


def test_a_burst_due_in_one_second_fills_hour_minute_and_second_buckets_each_bounded() -> None:
    # A backfill or a mass campaign: 5,000 cases received at the same second are due at
    # the same second. One hour's bucket of them all would be ~230 KB here, and pass the
    # 1,000,000-byte record limit at ~21,700 cases.
    table = Changelog()
    store = TableCaseStore(table, 0)
    engine = EscalationEngine(RULES, store)
    case_ids = [f"XF-BURST{n:07d}" for n in range(5_000)]
    for case_id in case_ids:
        engine.on_verdict(verdict(case_id, registered(case_id)))
    state = store.get(case_ids[0])
    assert state is not None
    assert state.next_fire_at is not None
    due_at = state.next_fire_at
    assert table["due/0"] == list(buckets_of(due_at))
    sizes = [len(table[f"due/0/{bucket}"]) for bucket in table["due/0"]]
    assert sizes == [BUCKET_ENTRIES, BUCKET_ENTRIES, 5_000 - 2 * BUCKET_ENTRIES]
    assert max(len(json.dumps(table[f"due/0/{b}"])) for b in table["due/0"]) < 200_000
    assert store.due(due_at - timedelta(seconds=1)) == []
    assert sorted(store.due(due_at)) == case_ids
    # Each case's entry moves with it, out of whichever bucket held it.
    for case_id in case_ids:
        engine.on_update(update(UpdateKind.ACCEPTED, day(1), 1, case_id=case_id))
    accepted = store.get(case_ids[0])
    assert accepted is not None
    assert accepted.next_fire_at is not None
    assert not [b for b in table["due/0"] if b[:10] == bucket_of(due_at)]
    assert sorted(store.due(accepted.next_fire_at)) == case_ids


def test_open_cases_are_counted_by_status_and_level() -> None:
    table = Changelog()
    engine = EscalationEngine(RULES, TableCaseStore(table, 0))
    engine.on_verdict(verdict("XF-1"))
    engine.on_verdict(verdict("XF-2"))
    engine.on_update(update(UpdateKind.ACCEPTED, day(1), 1, case_id="XF-2"))
    assert open_cases(table) == {("registered", "county"): 1, ("accepted", "county"): 1}


# --- crashes between any two writes ----------------------------------------------------------

Step = Callable[[EscalationEngine], StepResult | list[Output] | Rejection]


def _steps() -> list[Step]:
    """Two cases, an orphan, clocks that warn and breach, scans in between."""

    def on(kind: UpdateKind, at: float, n: int, case_id: str = "XF-A", **extra: Any) -> Step:
        return lambda engine: engine.on_update(update(kind, day(at), n, case_id, **extra))

    def scan(at: float) -> Step:
        return lambda engine: engine.scan(day(at))

    return [
        on(UpdateKind.TRANSFERRED, 1, 1, "XF-B"),  # before its verdict: held
        lambda engine: engine.on_verdict(verdict()),
        lambda engine: engine.on_verdict(verdict("XF-B", repeat_count=3)),
        scan(13),
        on(UpdateKind.TRANSFERRED, 14, 1),
        scan(30),
        on(UpdateKind.ACCEPTED, 31, 2),
        on(UpdateKind.ACCEPTED, 32, 2, "XF-B"),
        scan(100),
        on(UpdateKind.EXTENDED, 89, 3, "XF-B", extension_days=20, reason="需勘验"),
        scan(140),
    ]


def _outputs(result: StepResult | list[Output] | Rejection) -> list[str]:
    if isinstance(result, Rejection):
        return [f"rejected {result.update.update_id}"]
    if isinstance(result, StepResult):
        return [output_id(o) for o in result.outputs] + [
            f"rejected {r.update.update_id}" for r in result.rejections
        ]
    return [output_id(o) for o in result]


def _run(table: dict[str, Any], steps: list[Step]) -> Iterator[tuple[int, list[str]]]:
    """The service's order per step: stage, publish (yield), then commit."""
    store = InMemoryCaseStore(table)
    for number, step in enumerate(steps):
        staged = StagedStore(store)
        published = _outputs(step(EscalationEngine(RULES, staged)))
        yield number, published
        staged.commit()


def _reference() -> tuple[set[str], list[Write], list[int], list[list[str]]]:
    table = Changelog()
    per_step: list[list[str]] = []
    ends: list[int] = []
    for _, outputs in _run(table, _steps()):
        per_step.append(outputs)
        ends.append(len(table.writes))
    final = _outputs(EscalationEngine(RULES, InMemoryCaseStore(table)).scan(day(200)))
    return {*(i for step in per_step for i in step), *final}, table.writes, ends, per_step


def test_a_kill_between_any_two_writes_then_redelivery_loses_and_invents_nothing() -> None:
    want, writes, ends, per_step = _reference()
    assert any(i.startswith("ESC-XF-B-deadline_breach") for i in want)
    assert "ESC-XF-B-leadership_package" in want
    steps = _steps()
    for cut in range(len(writes) + 1):
        # Steps whose every write reached the changelog; the next one, if some of its
        # writes did, had published its outputs (they go out before the state).
        done = sum(1 for end in ends if end <= cut)
        partial = done < len(steps) and cut > (ends[done - 1] if done else 0)
        published = {i for step in per_step[: done + partial] for i in step}
        table = restored(writes[:cut])
        # Redelivery from the last committed offset, which may lag a step behind.
        for _, outputs in _run(table, steps[max(0, done - 1) :]):
            published.update(outputs)
        rescan = EscalationEngine(RULES, InMemoryCaseStore(table))
        published.update(_outputs(rescan.scan(day(200))))
        assert published == want, f"cut after write {cut} of {len(writes)}"
        assert rescan.scan(day(200)).outputs == []


@pytest.mark.parametrize("moment", [datetime(2026, 1, 1, 7, 59, tzinfo=T0.tzinfo), T0])
def test_buckets_are_utc_hours_that_sort_as_time(moment: datetime) -> None:
    assert bucket_of(moment) < bucket_of(moment + timedelta(hours=1))
    assert len(bucket_of(moment)) == 10

"""A row stored in bounded parts: the same figures as the whole row, exact through crashes
that keep only some of a message's writes, and no record near 1 MB in a busy region."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from schemas.cases import AgencyLevel
from schemas.ledger import KEY_MATTERS
from services.ledger.engine import case_step, row_text
from services.ledger.ledger import (
    CaseEntry,
    Count,
    Ledger,
    LedgerRow,
    RowKey,
    Tally,
    applied,
    checked_verdict,
    key_matters,
    with_escalation,
    with_move,
    with_update,
    with_verdict,
)
from services.ledger.messages import RowChange
from services.ledger.periods import BEIJING, parse_period
from services.ledger.rows import PARTS, RowHead, RowPart, apply_change, snapshot_of
from tests.unit.ledger.test_engine import RowTable
from tests.unit.ledger.test_ledger import escalation, rollup, update, verdict

Event = Any


def _events() -> Iterator[Event]:
    """Forty cases of a month: shared people and matters, replies, closings, a package
    case, a re-decision moving a case to another matter and a late rating."""
    for i in range(40):
        day = 1 + i % 28
        yield verdict(
            f"c{i}", f"2026-11-{day:02d}T{8 + i % 10:02d}:00:00+08:00",
            ref=f"pr_{i % 13}", co_refs=(f"pr_{(i * 7) % 17}",) if i % 3 == 0 else (),
            matter=f"m{i % 9}", kind="repeat" if i % 4 == 1 else "new",
            region="610302" if i % 5 else "610303",
            field="housing.title_certificate" if i % 2 else "labour_social_security",
        )  # fmt: skip
        if i % 3 == 0:
            yield update(f"c{i}", "replied", f"2026-12-{1 + i % 20:02d}T09:00:00+08:00")
        if i % 7 == 0:
            yield update(f"c{i}", "closed", f"2026-12-{2 + i % 20:02d}T09:00:00+08:00")
    yield escalation("c5", "leadership_package", "610300-mayor")
    yield verdict("c8", "2026-11-09T16:00:00+08:00", ref="pr_8", matter="m4", kind="joint")
    yield update("c3", "rated", "2026-12-20T09:00:00+08:00", rating="dissatisfied")


def _fold(entry: CaseEntry | None, event: Event, case_id: str) -> CaseEntry:
    if hasattr(event, "verdict") and hasattr(event, "matter_id"):
        return with_verdict(entry, event)
    if hasattr(event, "update_id"):
        return with_update(entry, event)
    return with_escalation(entry, event)


def _run(table: RowTable, ledger: Ledger | None = None) -> list[RowChange]:
    entries: dict[str, CaseEntry] = {}
    sent: list[RowChange] = []
    for event in _events():
        case_id = event.case_id
        before = entries.get(case_id)
        after, changes = case_step(before, _fold(before, event, case_id), rollup)
        entries[case_id] = after
        if ledger is not None:
            ledger.fold(after)
        for change in changes:
            table.apply(change)
        sent += changes
    return sent


def _expected(row: LedgerRow) -> dict[str, object]:
    return {
        **{count.value: row.count(count) for count in Count},
        "petitioners": len(row.petitioners),
        "matters": len(row.matters),
        "package_cases": sorted(row.packages.items()),
        **{
            f"key_matters_{order}": [m.model_dump() for m in listed]
            for order, listed in key_matters(row, KEY_MATTERS).items()
        },
    }


def _published(head: RowHead) -> dict[str, object]:
    snapshot = snapshot_of(head, AgencyLevel.COUNTY, head.period_start)
    figures = snapshot.model_dump(include={count.value for count in Count})
    return {
        **figures,
        "petitioners": snapshot.petitioners,
        "matters": snapshot.matters,
        "package_cases": [(p.case_id, p.owner) for p in snapshot.package_cases],
        **{
            f"key_matters_{order}": [
                m.model_dump() for m in getattr(snapshot, f"key_matters_{order}")
            ]
            for order in ("by_petitioners", "by_repeats", "by_age")
        },
    }


def _heads(table: RowTable) -> dict[str, RowHead]:
    return {key: RowHead.model_validate_json(raw) for key, raw in table.stored.items()
            if "#" not in key}  # fmt: skip


def test_the_parts_give_every_figure_of_the_whole_row() -> None:
    table, ledger = RowTable(), Ledger(rollup)
    _run(table, ledger)
    heads = _heads(table)
    assert set(heads) == set(ledger.rows)
    for key, row in ledger.rows.items():
        assert _published(heads[key]) == _expected(row), key
    month = heads["610300/all/2026-11"]
    assert month.counts[Count.PETITIONS] == 40
    assert len(month.parts) > 1  # the row's members are spread over its parts


def test_a_crash_between_a_messages_writes_is_mended_by_its_redelivery() -> None:
    whole = RowTable()
    changes = _run(whole)
    # Messages across the run, each cut after each of its writes in turn, then delivered
    # again whole with the rest: the records it reached keep it once, the others get it.
    for index in range(0, len(changes), max(1, len(changes) // 6)):
        for keep in range(3):
            table = RowTable()
            for offset, change in enumerate(changes, start=1):
                table.apply(change, offset, keep=keep if offset == index + 1 else None)
                if offset == index + 1:
                    table.apply(change, offset)
            assert table.stored == whole.stored, (index, keep)


def test_a_move_to_another_matter_cut_after_each_write_leaves_no_matter_behind() -> None:
    # The old matter's entry sits in another part than the new one's: a redelivery that
    # finds the case already gone from it must still sum that part again.
    first = verdict("a1", "2026-11-18T10:00:00+08:00", ref="pr_a", matter="MT-A", kind="new")
    entry, changes = case_step(None, checked_verdict(None, first), rollup)
    moved_at = datetime(2026, 11, 21, tzinfo=BEIJING)
    _, moves = case_step(entry, with_move(entry, "a1", "MT-B", moved_at), rollup)
    assert moves
    for keep in range(4):
        table = RowTable()
        for change in changes:
            table.apply(change)
        for offset, change in enumerate(moves, start=100):
            table.apply(change, offset, keep=keep)
            table.apply(change, offset)
            head = table.head(f"{change.region_code}/{change.field}/{change.period}")
            assert head is not None
            assert sum(p.matters for p in head.parts.values()) == 1, (keep, change.period)
            shown = snapshot_of(head, AgencyLevel.COUNTY, moved_at)
            assert [m.matter_id for m in shown.key_matters_by_petitioners] == ["MT-B"]


def test_an_earlier_change_sent_again_by_the_case_step_counts_nothing() -> None:
    table = RowTable()
    changes = _run(table)
    before = dict(table.stored)
    for change in changes[:30]:
        table.apply(change)  # new offsets: the case step's redelivery after a crash
    assert table.stored == before


def _change(i: int, at: datetime) -> RowChange:
    case_id = f"XF-{i:012d}"
    tally = Tally(
        case_id=case_id,
        counts=(Count.PETITIONS, Count.NEW, Count.BACKLOG, Count.NOT_RATED),
        petitioner_refs=(f"pr_{i:032x}", f"pr_{i + 1:032x}"),
        matter_id=f"MT-XF-{i // 2:012d}",
        received_at=at,
    )
    return RowChange(
        region_code="610000", field="all", period_kind="month", period="2026-11",
        case_id=case_id, revision=1, new=tally,
    )  # fmt: skip


def test_a_busy_province_month_stays_far_below_a_record_of_1_mb() -> None:
    cases = 5_000  # about where the whole row passed Kafka's 1,000,000-byte record
    start = datetime(2026, 11, 1, 8, tzinfo=BEIJING)
    head: RowHead | None = None
    parts: dict[tuple[int, int], RowPart] = {}
    whole = LedgerRow.empty(RowKey("610000", "all", parse_period("2026-11")))
    for i in range(cases):
        change = _change(i, start + timedelta(minutes=i))
        written = apply_change(head, lambda n, k: parts.get((n, k)), change, i)
        assert written is not None
        head = written.head
        parts.update(written.parts)
        assert change.new is not None
        whole = applied(whole, change.new, +1)
    # The service's row kept whole also held each case's revision mark.
    marks = {f"XF-{i:012d}": 1 for i in range(cases)}
    assert head is not None
    largest = max(len(p.to_json_bytes()) for p in parts.values())
    assert len(parts) == PARTS
    assert len(whole.to_json_bytes()) + len(json.dumps(marks)) > 1_000_000  # too large
    assert largest < 1_000_000 / 10
    assert len(head.to_json_bytes()) < 1_000_000 / 10
    snapshot = snapshot_of(head, AgencyLevel.PROVINCE, start)
    assert (snapshot.petitions, snapshot.petitioners, snapshot.matters) == (
        cases, cases + 1, cases // 2
    )
    assert _published(head) == _expected(whole)
    assert row_text(_change(0, start)) == "610000/all/2026-11"

"""The service's steps: a row applies each revision of a case once, whatever is redelivered."""

from __future__ import annotations

from schemas.cases import AgencyLevel, CaseUpdate
from services.ledger.engine import case_step, row_step, row_text, snapshot_of
from services.ledger.ledger import CaseEntry, LedgerRow, with_update, with_verdict
from services.ledger.messages import RowChange
from tests.unit.ledger.test_ledger import rollup, update, verdict


def _rows(changes_by_step: list[list[RowChange]]) -> dict[str, LedgerRow]:
    rows: dict[str, LedgerRow] = {}
    for changes in changes_by_step:
        for change in changes:
            key = row_text(change)
            applied = row_step(rows.get(key), change)
            if applied is not None:
                rows[key] = applied
    return rows


def test_a_redelivered_case_event_and_its_row_changes_are_counted_once() -> None:
    first, moves = case_step(
        None, with_verdict(None, verdict("c1", "2026-11-18T10:00:00+08:00")), rollup
    )
    reply: CaseUpdate = update("c1", "replied", "2026-11-20T09:00:00+08:00")
    second, more = case_step(first, with_update(first, reply), rollup)
    # A crash before the entry was stored: the reply comes again to the first entry and
    # yields the same changes, with the same revision; then again to the stored one.
    again, repeated = case_step(first, with_update(first, reply), rollup)
    stored, nothing = case_step(second, with_update(second, reply), rollup)
    assert (again, repeated) == (second, more)
    assert (stored, nothing) == (second, [])
    assert len(moves) == 18  # 3 levels x 2 fields x 3 periods
    rows = _rows([moves, more, repeated, moves])
    week = rows["610300/all/2026-W47"]
    figures = snapshot_of(week, AgencyLevel.CITY, week.period_start)
    assert (figures.petitions, figures.replied, figures.backlog) == (1, 1, 0)
    assert week.revisions == {"c1": 2}


def test_a_case_without_its_verdict_changes_no_row() -> None:
    orphan = with_update(None, update("c9", "accepted", "2026-11-20T09:00:00+08:00"))
    entry, moves = case_step(None, orphan, rollup)
    assert moves == []
    assert entry == CaseEntry(case_id="c9", accepted_at=orphan.accepted_at)

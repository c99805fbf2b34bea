"""The service's steps: a row applies each revision of a case once, whatever is redelivered."""

from __future__ import annotations

from schemas.cases import AgencyLevel, CaseUpdate
from services.ledger.engine import case_step, row_text
from services.ledger.ledger import CaseEntry, with_update, with_verdict
from services.ledger.messages import RowChange
from services.ledger.rows import RowHead, RowPart, apply_change, part_key, part_of, snapshot_of
from tests.unit.ledger.test_ledger import rollup, update, verdict


class RowTable:
    """The service's ``rows`` table: heads and parts by key, as stored (JSON bytes)."""

    def __init__(self) -> None:
        self.stored: dict[str, bytes] = {}
        self.offset = 0

    def head(self, key: str) -> RowHead | None:
        raw = self.stored.get(key)
        return None if raw is None else RowHead.model_validate_json(raw)

    def apply(self, change: RowChange, offset: int | None = None, keep: int | None = None) -> None:
        """Apply one message (the next offset unless given); ``keep`` writes only that
        many of its records, as a crash between their changelog records would."""
        if offset is None:
            self.offset += 1
            offset = self.offset
        key = row_text(change)

        def part(number: int, link: int) -> RowPart | None:
            raw = self.stored.get(part_key(key, number, link))
            return None if raw is None else RowPart.model_validate_json(raw)

        written = apply_change(self.head(key), part, change, offset)
        if written is None:
            return
        records = [(part_key(key, *at), p.to_json_bytes()) for at, p in written.parts.items()]
        records.append((key, written.head.to_json_bytes()))
        self.stored.update(records[:keep])


def test_a_redelivered_case_event_and_its_row_changes_are_counted_once() -> None:
    received = with_verdict(None, verdict("c1", "2026-11-18T10:00:00+08:00"))
    accepted = with_update(received, update("c1", "accepted", "2026-11-19T09:00:00+08:00"))
    first, moves = case_step(None, accepted, rollup)
    reply: CaseUpdate = update("c1", "replied", "2026-11-20T09:00:00+08:00")
    second, more = case_step(first, with_update(first, reply), rollup)
    # A crash before the entry was stored: the reply comes again to the first entry and
    # yields the same changes, with the same revision; then again to the stored one.
    again, repeated = case_step(first, with_update(first, reply), rollup)
    stored, nothing = case_step(second, with_update(second, reply), rollup)
    assert (again, repeated) == (second, more)
    assert (stored, nothing) == (second, [])
    assert len(moves) == 18  # 3 levels x 2 fields x 3 periods
    table = RowTable()
    for change in [*moves, *more, *repeated, *moves]:
        table.apply(change)
    week = table.head("610300/all/2026-W47")
    assert week is not None
    figures = snapshot_of(week, AgencyLevel.CITY, week.period_start)
    assert (figures.petitions, figures.replied, figures.backlog) == (1, 1, 0)
    assert (figures.petitioners, figures.matters) == (1, 1)
    raw = table.stored[part_key("610300/all/2026-W47", part_of("c1"))]
    assert RowPart.model_validate_json(raw).revisions["c1"].revision == 2


def test_a_case_without_its_verdict_changes_no_row() -> None:
    orphan = with_update(None, update("c9", "accepted", "2026-11-20T09:00:00+08:00"))
    entry, moves = case_step(None, orphan, rollup)
    assert moves == []
    # The update waits in the entry for the verdict the lifecycle is folded with.
    assert entry == CaseEntry(case_id="c9", accepted_at=orphan.accepted_at, steps=orphan.steps)
    assert [step.kind for step in entry.steps] == ["accepted"]

"""``CaseStore`` over the service's Faust tables, for the partition of the event in hand.

Three tables, all keyed by case_id and so co-partitioned with both inputs (keyed by
case_id, 4 partitions): ``cases`` (the ``CaseState``), ``orphans`` (updates whose verdict
has not arrived) and ``index`` (per case: partition, next due time, open status, level).
The scan of one partition reads only the small index rows; the gauge of open cases is
counted from them too. A row is dropped once the case is settled with nothing pending.

Any ``MutableMapping`` serves as a table (Faust's tables are), so this is tested with
dicts. Writes go to the changelog partition of the current event: the service writes
only inside an event of the same partition (a verdict, an update or a tick).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import datetime
from typing import Any

from services.escalation.state import CaseState, Orphans

Table = MutableMapping[str, Any]


class TableCaseStore:
    """The cases of one partition, read and written through the service's tables."""

    def __init__(self, cases: Table, orphans: Table, index: Table, partition: int) -> None:
        self._cases = cases
        self._orphans = orphans
        self._index = index
        self._partition = partition

    def get(self, case_id: str) -> CaseState | None:
        value = self._cases.get(case_id)
        return None if value is None else CaseState.from_json(value)

    def put(self, state: CaseState) -> None:
        case_id = state.facts.case_id
        self._cases[case_id] = state.to_json()
        self._reindex(case_id, state, self.orphans(case_id))

    def orphans(self, case_id: str) -> Orphans | None:
        value = self._orphans.get(case_id)
        return None if value is None else Orphans.model_validate(value)

    def put_orphans(self, case_id: str, orphans: Orphans | None) -> None:
        if orphans is not None:
            self._orphans[case_id] = orphans.model_dump(mode="json")
        elif self._orphans.get(case_id) is not None:
            del self._orphans[case_id]
        self._reindex(case_id, self.get(case_id), orphans)

    def due(self, until: datetime) -> list[str]:
        return [
            case_id
            for case_id, row in list(self._index.items())
            if row is not None
            and row["partition"] == self._partition
            and row["due_at"] is not None
            and datetime.fromisoformat(row["due_at"]) <= until
        ]

    def _reindex(self, case_id: str, state: CaseState | None, orphans: Orphans | None) -> None:
        times = [
            *([state.next_fire_at] if state is not None and state.next_fire_at else []),
            *([orphans.earliest_event_at] if orphans is not None else []),
        ]
        status = state.open_status if state is not None else None
        if not times and status is None:
            if self._index.get(case_id) is not None:
                del self._index[case_id]
            return
        self._index[case_id] = {
            "partition": self._partition,
            "due_at": min(times).isoformat() if times else None,
            "open_status": status.value if status is not None else None,
            "level": state.facts.level.value if state is not None else None,
        }


def open_cases(index: Table) -> dict[tuple[str, str], int]:
    """Open cases by (status, level), counted from the index rows."""
    counts: dict[tuple[str, str], int] = {}
    for row in list(index.values()):
        if row is not None and row["open_status"] is not None:
            key = (row["open_status"], row["level"])
            counts[key] = counts.get(key, 0) + 1
    return counts

"""The records a partition keeps in memory are always what its ``cases`` table holds."""

from __future__ import annotations

import pytest

from services.dedup.faust_state import KeptRecords
from services.dedup.state import DictMap


def test_a_kept_record_is_the_stored_one_after_writes_deletes_and_evictions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(KeptRecords, "KEPT", 2)
    table: DictMap[bytes] = DictMap()
    table.set("XF-0", b"written before")
    records = KeptRecords(table)

    assert records.get("XF-0") == b"written before"
    records.set("XF-0", b"moved to another matter")
    assert records.get("XF-0") == b"moved to another matter"
    assert table.get("XF-0") == b"moved to another matter"

    for n in range(1, 5):  # past what is kept: the oldest kept are read from the table again
        records.set(f"XF-{n}", f"case {n}".encode())
    assert [records.get(f"XF-{n}") for n in range(5)] == [
        b"moved to another matter", b"case 1", b"case 2", b"case 3", b"case 4",
    ]  # fmt: skip

    records.delete("XF-3")
    assert records.get("XF-3") is None
    assert table.get("XF-3") is None
    assert records.get("XF-unknown") is None

"""A partition's kept records and matters: fewer reads of the tables, never another answer."""

from __future__ import annotations

from typing import Any

import pytest

from services.dedup.config import DedupConfig
from services.dedup.faust_state import FaustMatchState, KeptMatters, KeptRecords
from services.dedup.state import DictMap


class CountingMap(DictMap[Any]):
    """A table that counts its reads."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def get(self, key: str) -> Any:
        self.reads.append(key)
        return super().get(key)


def test_a_key_found_missing_is_read_once_until_it_is_written() -> None:
    table = CountingMap()
    records = KeptRecords(table)

    # A new case: looked up by app, deciding and recording before it is written.
    assert [records.get("XF-1") for _ in range(3)] == [None, None, None]
    assert table.reads == ["XF-1"]

    records.set("XF-1", b"recorded")
    assert records.get("XF-1") == b"recorded"
    assert table.get("XF-1") == b"recorded"

    # Another key found missing: the first is kept, the second read once.
    assert records.get("XF-2") is None
    assert records.get("XF-2") is None
    assert table.reads.count("XF-2") == 1

    # Written behind the kept state's back would be wrong; through it, it is seen.
    records.set("XF-2", b"second")
    assert records.get("XF-2") == b"second"


def test_a_deleted_key_is_missing_without_a_read() -> None:
    table = CountingMap()
    records = KeptRecords(table)
    records.set("XF-1", b"recorded")
    records.delete("XF-1")
    reads = len(table.reads)
    assert records.get("XF-1") is None
    assert table.get("XF-1") is None
    assert len(table.reads) == reads + 1  # only the check just above


def test_kept_matters_are_what_the_table_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(KeptMatters, "KEPT", 2)
    table = CountingMap()
    table.set("M-0", {"cases": ["XF-0"]})
    matters = KeptMatters(table)

    assert matters.get("M-0") == {"cases": ["XF-0"]}
    assert matters.get("M-0") == {"cases": ["XF-0"]}
    assert table.reads == ["M-0"]  # read once, then kept

    matters.set("M-0", {"cases": ["XF-0", "XF-1"]})
    assert matters.get("M-0") == table.get("M-0") == {"cases": ["XF-0", "XF-1"]}
    for n in range(1, 4):  # past what is kept: the oldest are read from the table again
        matters.set(f"M-{n}", {"cases": [f"XF-{n}"]})
    assert [matters.get(f"M-{n}") for n in range(4)] == [
        {"cases": ["XF-0", "XF-1"]}, {"cases": ["XF-1"]}, {"cases": ["XF-2"]},
        {"cases": ["XF-3"]},
    ]  # fmt: skip
    matters.delete("M-2")
    assert matters.get("M-2") is None
    assert table.get("M-2") is None


class _Store:
    # What ``faust_state.stored_cases`` reads of Faust's memory store: nothing stored.
    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self._key_partition: dict[str, int] = {}


class _Table(dict[str, Any]):
    """A Faust table as ``TableMap`` reads one without a serialised store: a dict."""

    def __init__(self) -> None:
        super().__init__()
        self.data = _Store()
        self.reads = 0

    def get(self, key: str, default: Any = None) -> Any:
        self.reads += 1
        return super().get(key, default)


def test_a_partition_keeps_its_matters_between_events_until_it_is_revoked() -> None:
    cases, matters = _Table(), _Table()
    state = FaustMatchState(cases=cases, matters=matters, config=DedupConfig())

    state.partition(0).matters.set("M-1", {"cases": ["XF-1"]})
    assert state.partition(0).matters.get("M-1") == {"cases": ["XF-1"]}
    assert state.partition(0).cases.get("XF-1") is None
    assert state.partition(0).cases.get("XF-1") is None
    assert (matters.reads, cases.reads) == (0, 1)  # the next events saw what was kept

    state.keep_only([1])  # revoked: what it kept goes with its index
    assert state.partition(0).matters.get("M-1") == {"cases": ["XF-1"]}
    assert state.partition(0).cases.get("XF-1") is None
    assert (matters.reads, cases.reads) == (1, 2)

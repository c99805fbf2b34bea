"""A value read or written in a batch is read from the table once, and only in that batch."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from faust.streams import _current_event

from services.common.batch import OPEN_BATCH, Batch
from services.common.batch_reads import ReadInBatch


class CountingTable(dict[str, Any]):
    """A table that counts its reads and refuses values it is told to."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.refused: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.reads += 1
        return super().get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        if isinstance(value, str) and value in self.refused:
            raise ValueError("too large")
        super().__setitem__(key, value)


class _Event:
    def __init__(self, partition: int) -> None:
        self.message = SimpleNamespace(partition=partition)


@contextmanager
def in_batch(batch: Batch, partition: int = 0) -> Iterator[None]:
    event = _Event(partition)
    opened = OPEN_BATCH.set(batch)
    _current_event.set(weakref.ref(event))  # type: ignore[arg-type]
    try:
        yield
    finally:
        OPEN_BATCH.reset(opened)
        _current_event.set(None)


def test_a_value_is_read_from_the_table_once_per_batch() -> None:
    table = CountingTable()
    table["due/0/2027010100"] = {"XF-1": "2027-01-01T00:30:00+00:00"}
    reads = ReadInBatch(table)
    with in_batch(Batch()):
        first = reads.get("due/0/2027010100")
        assert reads.get("due/0/2027010100") is first
        assert reads.get("case/XF-9") is None
        assert reads.get("case/XF-9", "none") == "none"
        assert "case/XF-9" not in reads
    assert table.reads == 2
    # The next batch reads the table again, and sees what was written to it meanwhile.
    table["due/0/2027010100"] = {}
    with in_batch(Batch()):
        assert reads.get("due/0/2027010100") == {}
    assert table.reads == 3


def test_writes_reach_the_table_at_once_and_are_read_back_as_written() -> None:
    table = CountingTable()
    reads = ReadInBatch(table)
    entries = {"XF-1": "2027-01-01T00:30:00+00:00"}
    with in_batch(Batch()):
        reads["due/0/2027010100"] = entries
        assert table["due/0/2027010100"] is entries
        assert reads["due/0/2027010100"] is entries
        del reads["due/0/2027010100"]
        assert "due/0/2027010100" not in table
        assert reads.get("due/0/2027010100") is None
        with pytest.raises(KeyError):
            reads["due/0/2027010100"]
    assert table.reads == 0


def test_a_write_the_table_refuses_is_not_kept() -> None:
    table = CountingTable()
    table.refused.add("huge")
    reads = ReadInBatch(table)
    with in_batch(Batch()):
        assert reads.get("case/XF-1") is None
        with pytest.raises(ValueError, match="too large"):
            reads["case/XF-1"] = "huge"
        assert reads.get("case/XF-1") is None


def test_the_same_key_is_kept_apart_in_each_partition() -> None:
    table = CountingTable()
    reads = ReadInBatch(table)
    batch = Batch()
    with in_batch(batch, partition=0):
        reads["watermark/cases.updates/p"] = "2027-01-01T00:00:00+00:00"
    with in_batch(batch, partition=1):
        # A Faust table reads the event's partition; this table reads its one dict.
        assert reads.get("watermark/cases.updates/p") == "2027-01-01T00:00:00+00:00"
        assert table.reads == 1


def test_outside_a_batch_every_read_is_the_table_s() -> None:
    table = CountingTable()
    table["open/XF-1"] = "accepted city"
    reads = ReadInBatch(table)
    assert reads.get("open/XF-1") == "accepted city"
    assert reads.get("open/XF-1") == "accepted city"
    assert table.reads == 2
    assert list(reads) == ["open/XF-1"]
    assert len(reads) == 1

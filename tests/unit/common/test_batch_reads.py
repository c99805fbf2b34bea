"""A value read or written in a batch is read from the table once, and only in that batch;
the keys picked to be written once per batch reach the table when the batch ends."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from faust.streams import _current_event

from schemas.petitions import RejectReason
from services.common.batch import OPEN_BATCH, Batch
from services.common.batch_loop import BatchLoop
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


class ChangelogTable(dict[str, Any]):
    """A table with a changelog topic as ``Service.table``'s (JSON values), counting its
    writes and the values its changelog encoded (``check_size`` measures through it)."""

    name = "state"

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []
        self.encoded = 0
        self.changelog_topic = SimpleNamespace(
            prepare_key=lambda key, _: (orjson.dumps(key), None),
            prepare_value=self._encode,
        )

    def _encode(self, value: Any, _: Any) -> tuple[bytes, None]:
        self.encoded += 1
        return orjson.dumps(value), None

    def __setitem__(self, key: str, value: Any) -> None:
        self.writes.append(key)
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.writes.append(key)
        super().__delitem__(key)


def _due(key: str) -> bool:
    return key.startswith("due/")


def test_a_key_written_many_times_in_a_batch_reaches_the_table_once_when_it_ends() -> None:
    table = ChangelogTable()
    reads = ReadInBatch(table, later=_due)
    batch = Batch()
    with in_batch(batch):
        for n in range(300):
            entries = {f"XF-{i}": "2027-01-01T00:30:00+00:00" for i in range(n + 1)}
            assert reads.write("due/0/2027010100", entries, 10_000) == 10_000
            assert reads["due/0/2027010100"] is entries  # reads see the latest
            reads["case/XF-1"] = n  # other keys: at once, as before
        reads["due/0/2027010101"] = {"XF-2": "2027-01-01T01:00:00+00:00"}
        del reads["due/0/2027010101"]  # made and deleted in the batch: never written
        assert reads.get("due/0/2027010101") is None
        assert "due/0/2027010100" not in table
        assert table.writes == ["case/XF-1"] * 300
        assert table.encoded == 1  # the write with no size bound was measured
        batch.end()
    assert table.writes == ["case/XF-1"] * 300 + ["due/0/2027010100"]
    assert table["due/0/2027010100"] is entries
    assert batch.ends == []
    assert batch.unkept == []
    # Outside a batch, a write reaches the table at once.
    reads["due/0/2027010100"] = {}
    assert table["due/0/2027010100"] == {}


def test_a_kept_deletion_reaches_the_table_when_the_batch_ends() -> None:
    table = ChangelogTable()
    table["due/0/2027010100"] = {"XF-1": "2027-01-01T00:30:00+00:00"}
    reads = ReadInBatch(table, later=_due)
    batch = Batch()
    with in_batch(batch):
        del reads["due/0/2027010100"]
        assert reads.get("due/0/2027010100") is None
        with pytest.raises(KeyError):
            del reads["due/0/2027010100"]
        assert "due/0/2027010100" in table
        batch.end()
    assert "due/0/2027010100" not in table


def test_a_kept_write_too_large_for_its_changelog_refuses_its_message() -> None:
    table = ChangelogTable()
    reads = ReadInBatch(table, later=_due)
    batch = Batch()
    small = {"XF-1": "2027-01-01T00:30:00+00:00"}
    huge = {f"XF-{i}": "x" * 1_000 for i in range(1_000)}  # over 1,000,000 bytes
    with in_batch(batch):
        reads.write("due/0/2027010100", small, 100)

        def remember() -> None:
            reads.write("due/0/2027010100", {**small, "XF-2": "2027"}, 200)
            reads.write("due/0/2027010101", huge, 1_100_000)  # near the limit: measured

        rejected = BatchLoop._remember(batch, remember)
        assert rejected is not None
        assert rejected.reason is RejectReason.OUTPUT_TOO_LARGE
        assert "would be 10" in rejected.detail
        # The refused message's kept writes are taken back, the one before it stays.
        assert reads.get("due/0/2027010100") is small
        assert reads.get("due/0/2027010101") is None
        batch.end()
    assert table == {"due/0/2027010100": small}
    assert batch.changelog == []


def test_a_bound_under_the_limit_spares_the_encoding_and_one_near_it_is_exact() -> None:
    table = ChangelogTable()
    reads = ReadInBatch(table, later=_due)
    value = {"XF-1": "2027-01-01T00:30:00+00:00"}
    with in_batch(Batch()):
        assert reads.write("due/0/a", value, 999_000) == 999_000
        assert table.encoded == 0
        exact = len(orjson.dumps(value)) + len(orjson.dumps("due/0/a"))
        assert reads.write("due/0/a", value, 999_900) == exact  # the key's and value's
        assert table.encoded == 1


def test_kept_writes_of_two_interleaved_batches_keep_apart() -> None:
    table = ChangelogTable()
    reads = ReadInBatch(table, later=_due)
    first, second = Batch(), Batch()
    with in_batch(first, partition=0):
        reads.write("due/0/a", {"XF-1": "t"}, 100)
    with in_batch(second, partition=1):
        reads.write("due/1/a", {"XF-2": "t"}, 100)
        second.end()
    with in_batch(first, partition=0):
        assert reads.get("due/0/a") == {"XF-1": "t"}
        first.end()
    assert table == {"due/0/a": {"XF-1": "t"}, "due/1/a": {"XF-2": "t"}}


def test_a_batch_end_writes_the_first_keys_first_then_in_the_order_of_last_writes() -> None:
    table = ChangelogTable()
    reads = ReadInBatch(table, later=_due, first=lambda key: key.count("/") == 1)
    batch = Batch()
    with in_batch(batch):
        reads["due/0/A"] = {"XF-1": "x"}
        reads["due/0"] = ["A"]
        reads["due/0/B"] = {"XF-2": "x"}
        assert reads.pending("due/0/B")
        assert not reads.pending("due/0/C")
        # A later message writes A again, then is refused: A's write before it stays in
        # its own place, not after B.
        since = len(batch.unkept)
        reads["due/0/A"] = {"XF-1": "x", "XF-3": "x"}
        batch.take_back_kept(since)
        assert reads["due/0/A"] == {"XF-1": "x"}
        batch.end()
        assert not reads.pending("due/0/B")
    assert table.writes == ["due/0", "due/0/A", "due/0/B"]

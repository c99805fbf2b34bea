"""A table whose values, once read or written in the batch in hand, are not read again,
and whose keys that a batch rewrites many times reach the table once, when it ends.

A read of a RocksDB table decodes its value anew each time. Escalation reads and rewrites
its due-index buckets (up to ``BUCKET_ENTRIES`` cases each) for every case, and reads a
case's row several times while storing it: under a backlog, decoding the same values
again was a sixth of its CPU. Through :class:`ReadInBatch`, a value read or written while
a batch is handled is kept, for the rest of that batch only, as the object read or
written.

A write reaches the table at once (its store, and its changelog record, which the batch
holds back until the batch's outputs are acknowledged), except under the keys ``later``
picks: those are kept in memory, and only each one's last value is written, when every
handler of the batch has run (``Batch.end``, called by ``services.common.batch_loop``
before the batch's commit). Why that is as safe as writing each at once:

* reads in the batch get the kept value, the latest written, as before;
* the batch's changelog records are sent only after ``Batch.end`` and after every output
  of the batch is acknowledged, as before: the store and the changelog get the end value
  within the same commit, before any input of the batch is acknowledged. A crash before
  or while they are sent leaves the batch unacknowledged: the restart restores the
  table from the changelog (which only ever had each key's last write of a batch:
  ``latest_writes``) and the batch is handled again;
* a write whose changelog record would be too large still refuses the message that made
  it, when it is made: the caller gives a bound on the record's size (``write``), and a
  value whose bound comes near the producer's limit is encoded and measured exactly
  (``check_size``), raising ``StateTooLargeError`` before anything is kept. A refused
  message's kept writes are taken back (``Batch.take_back_kept``), as its held ones are;
* what is kept belongs to the batch (``Batch.kept``): two agents' batches that interleave
  at an await (on other partitions: a batch holds its partitions' locks) keep apart.

Only for callers that never change a value they read or wrote (they copy it first): the
next read in the batch returns that very object. Every write of the table in the batch
must go through the same ``ReadInBatch``, or its kept values would be stale; a key that
``later`` picks must not be written or read outside a batch while one is handled.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Final

from faust.streams import _current_event, current_event

from schemas.registry import MAX_MESSAGE_BYTES, RECORD_OVERHEAD_BYTES
from services.common.batch import OPEN_BATCH, Batch, check_size

_MISSING: Final = object()

Slot = tuple[int, str]


@dataclass
class _Kept:
    """What one ``ReadInBatch`` keeps for one batch."""

    #: (partition, key) -> the value read or written in the batch (None: none)
    values: dict[Slot, Any] = field(default_factory=dict)
    #: (partition, key) -> (the last value written, None to delete; the event it was
    #: written in; the number of that write in the batch): not yet in the table.
    unwritten: dict[Slot, tuple[Any, Any, int]] = field(default_factory=dict)
    #: Writes kept so far in the batch (numbers them).
    written: int = 0
    #: (partition, key) -> the value first read from the table in the batch (None: none).
    initial: dict[Slot, Any] = field(default_factory=dict)


class ReadInBatch(MutableMapping[str, Any]):
    """``table`` with each value read or written in the batch in hand kept until it ends.

    A value is kept by the partition of the event in hand and its key, as Faust's tables
    read and write in that partition. Outside a batch (timers), every read and write is
    the table's. ``later`` picks the keys whose writes in a batch reach the table only
    when it ends (none by default), in the order of their last writes, but for those
    ``first`` picks, which go before the others (an index's list of its parts: see
    ``services.escalation.tables.due_list_key``).
    """

    def __init__(
        self,
        table: MutableMapping[str, Any],
        later: Callable[[str], bool] | None = None,
        first: Callable[[str], bool] | None = None,
    ) -> None:
        self._table = table
        self._later = later
        self._first = first

    def _kept(self) -> _Kept | None:
        """What is kept in the batch in hand (None: no batch in hand)."""
        batch = OPEN_BATCH.get()
        if batch is None:
            return None
        kept: _Kept | None = batch.kept.get(id(self))
        if kept is None:
            kept = batch.kept[id(self)] = _Kept()
        return kept

    @staticmethod
    def _slot(key: str) -> Slot:
        event = current_event()
        return (-1 if event is None else int(event.message.partition), key)

    def get(self, key: str, default: Any = None) -> Any:
        kept = self._kept()
        if kept is None:
            return self._table.get(key, default)
        slot = self._slot(key)
        value = kept.values.get(slot, _MISSING)
        if value is _MISSING:
            value = kept.values[slot] = self._table.get(key)
            kept.initial.setdefault(slot, value)
        return default if value is None else value

    def committed(self, key: str) -> Any:
        """The value of a key ``later`` picks as it was before the batch in hand (None:
        none), whatever the batch has written to it since: what a prefix of the batch's
        changelog records may still hold."""
        kept = self._kept()
        if kept is None:
            return self._table.get(key)
        slot = self._slot(key)
        value = kept.initial.get(slot, _MISSING)
        if value is _MISSING:
            # Not read in the batch yet; a key ``later`` picks reaches the table at its end.
            value = kept.initial[slot] = self._table.get(key)
        return value

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def write(self, key: str, value: Any, size_bound: int | None = None) -> int | None:
        """Write ``value`` under ``key``; returns a bound on its changelog value's size
        when the write is kept until the batch ends (else None).

        ``size_bound``: at least the bytes of ``value``'s JSON (None: unknown). A kept
        write whose bound, with its key's, could reach the producer's limit is encoded and
        measured here (StateTooLargeError when too large, nothing kept); the size so
        measured (of the encoded key and value, a bound still) is what is returned.
        """
        batch = OPEN_BATCH.get()
        kept = self._kept()
        if batch is None or kept is None or self._later is None or not self._later(key):
            self._table[key] = value  # first: a write the table refuses is not kept
            if kept is not None:
                kept.values[self._slot(key)] = value
            return None
        # A key's JSON takes at most 6 bytes a character (\\uXXXX), and 2 for its quotes.
        if size_bound is None or (
            size_bound + 6 * len(key) + 2 + RECORD_OVERHEAD_BYTES > MAX_MESSAGE_BYTES
        ):
            size = check_size(self._table, key, value)  # may refuse the message
            size_bound = None if size is None else size - RECORD_OVERHEAD_BYTES
        self._keep(batch, kept, key, value)
        return size_bound

    def _keep(self, batch: Batch, kept: _Kept, key: str, value: Any) -> None:
        """Keep a write (None: a deletion) until ``batch`` ends, with its take-back."""
        event = current_event()
        slot = (-1 if event is None else int(event.message.partition), key)
        before_value = kept.values.get(slot, _MISSING)
        before_write: Any = kept.unwritten.get(slot, _MISSING)
        kept.values[slot] = value
        kept.written += 1
        kept.unwritten[slot] = (value, event, kept.written)
        if self._end not in batch.ends:
            batch.ends.append(self._end)

        def take_back() -> None:
            if before_value is _MISSING:
                kept.values.pop(slot, None)
            else:
                kept.values[slot] = before_value
            if before_write is _MISSING:
                kept.unwritten.pop(slot, None)
            else:
                kept.unwritten[slot] = before_write

        batch.unkept.append(take_back)

    def pending(self, key: str) -> bool:
        """Whether the batch in hand keeps a write of ``key`` not yet in the table."""
        kept = self._kept()
        return kept is not None and self._slot(key) in kept.unwritten

    def _end(self) -> None:
        """Write the batch's kept writes to the table, each key's last, the keys ``first``
        picks first, then in the order of the keys' last writes (a write taken back leaves
        the one before it in its own place), each in the event it was made in (Faust's
        tables write to the changelog partition of the event in hand). Called by
        ``Batch.end``, in the batch: the table holds their changelog records back with the
        batch's others, in this order."""
        batch = OPEN_BATCH.get()
        kept: _Kept | None = None if batch is None else batch.kept.get(id(self))
        if kept is None:
            return
        unwritten, kept.unwritten = kept.unwritten, {}
        first = self._first

        def place(item: tuple[Slot, tuple[Any, Any, int]]) -> tuple[bool, int]:
            return (first is None or not first(item[0][1]), item[1][2])

        before = _current_event.get()
        try:
            for (_, key), (value, event, _) in sorted(unwritten.items(), key=place):
                _current_event.set(None if event is None else weakref.ref(event))
                if value is not None:
                    self._table[key] = value
                elif key in self._table:  # else made and deleted within the batch
                    del self._table[key]
        finally:
            _current_event.set(before)

    def __setitem__(self, key: str, value: Any) -> None:
        self.write(key, value)

    def __delitem__(self, key: str) -> None:
        batch = OPEN_BATCH.get()
        kept = self._kept()
        if batch is not None and kept is not None and self._later is not None and (
            self._later(key)
        ):
            slot = self._slot(key)
            if kept.values.get(slot, _MISSING) is _MISSING and key not in self._table:
                raise KeyError(key)
            if kept.values.get(slot, _MISSING) is None:
                raise KeyError(key)
            self._keep(batch, kept, key, None)
            return
        del self._table[key]
        if kept is not None:
            kept.values[self._slot(key)] = None

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

"""A table whose values, once read or written in the batch in hand, are not read again.

A read of a RocksDB table decodes its value anew each time. Escalation reads and rewrites
its due-index buckets (up to ``BUCKET_ENTRIES`` cases each) for every case, and reads a
case's row several times while storing it: under a backlog, decoding the same values
again was a sixth of its CPU. Through :class:`ReadInBatch`, a value read or written while
a batch is handled is kept, for the rest of that batch only, as the object read or
written; every write still reaches the table at once (its store, and its changelog
record, which the batch holds back until the batch's outputs are acknowledged).

Only for callers that never change a value they read or wrote (they copy it first): the
next read in the batch returns that very object. Every write of the table in the batch
must go through the same ``ReadInBatch``, or its kept values would be stale.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, MutableMapping
from typing import Any, Final

from faust.streams import current_event

from services.common.batch import OPEN_BATCH, Batch

_MISSING: Final = object()


class ReadInBatch(MutableMapping[str, Any]):
    """``table`` with each value read or written in the batch in hand kept until it ends.

    A value is kept by the partition of the event in hand and its key, as Faust's tables
    read and write in that partition. Outside a batch (timers), every read is the table's.
    """

    def __init__(self, table: MutableMapping[str, Any]) -> None:
        self._table = table
        self._batch: weakref.ref[Batch] | None = None
        #: (partition, key) -> the value read or written in the batch (None: none)
        self._kept: dict[tuple[int, str], Any] = {}

    def _values(self) -> dict[tuple[int, str], Any] | None:
        """The values kept in the batch in hand (None: no batch in hand)."""
        batch = OPEN_BATCH.get()
        if batch is None:
            return None
        if self._batch is None or self._batch() is not batch:
            self._kept = {}
            self._batch = weakref.ref(batch)
        return self._kept

    @staticmethod
    def _slot(key: str) -> tuple[int, str]:
        event = current_event()
        return (-1 if event is None else int(event.message.partition), key)

    def get(self, key: str, default: Any = None) -> Any:
        kept = self._values()
        if kept is None:
            return self._table.get(key, default)
        slot = self._slot(key)
        value = kept.get(slot, _MISSING)
        if value is _MISSING:
            value = kept[slot] = self._table.get(key)
        return default if value is None else value

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self._table[key] = value  # first: a write the table refuses is not kept
        kept = self._values()
        if kept is not None:
            kept[self._slot(key)] = value

    def __delitem__(self, key: str) -> None:
        del self._table[key]
        kept = self._values()
        if kept is not None:
            kept[self._slot(key)] = None

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

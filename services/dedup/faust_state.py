"""The matcher's state on Faust tables: the service's implementation of ``MatchState``.

The two maps (``cases``, ``matters``) are changelogged tables with one RocksDB per
partition. The matching agent consumes a topic keyed by region, so all reads and writes
of a case happen in the event context of its region's partition: they go to that
partition's database and changelog, and a restarted or moved worker recovers exactly the
regions it is given.

The index (``index.CaseIndex``) is not a table: it is derived from ``cases``, so the
worker keeps one in memory per partition it is active for. When Faust has recovered the
tables of an assignment, ``rebuild`` builds the index of every active partition that has
none, reading the partition's ``cases`` from RocksDB (a restart with its data directory
reads nothing from Kafka; a new worker first restores ``cases`` from the changelog, as
any table); ``keep_only`` drops the index of a partition the worker is no longer
assigned, so a partition that comes back is rebuilt from what its other owner wrote.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, Final, Generic, TypeVar

from faust.stores.base import SerializedStore

from services.dedup.config import DedupConfig
from services.dedup.index import CaseIndex
from services.dedup.index_builder import IndexBuilder
from services.dedup.records import CaseColumns, JsonValue, MatterRecord
from services.dedup.state import DecodedMatters, KeyValueMap

V = TypeVar("V")
log = logging.getLogger(__name__)

#: Case records read and indexed between two yields to the event loop while rebuilding.
REBUILD_BATCH: Final = 20_000


class TableMap(Generic[V]):
    """A ``KeyValueMap`` over a Faust table."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, key: str) -> V | None:
        # A table's ``get`` asks its store whether it holds the key, then for the value:
        # two reads of RocksDB and two encodings of the key, for one value, a dozen times
        # per case matched (the candidates' records). On a serialised store (RocksDB) the
        # value is read once, as ``Store.__getitem__`` reads it, from the partition of the
        # current event; the table's ``get`` adds only its sensor, which is off (Service.table).
        store = self._table.data
        if not isinstance(store, SerializedStore):
            value: V | None = self._table.get(key)
            return value
        raw = store._get(store._encode_key(key))
        return None if raw is None else store._decode_value(raw)

    def set(self, key: str, value: V) -> None:
        self._table[key] = value

    def delete(self, key: str) -> None:
        if self.get(key) is not None:
            del self._table[key]


class _Kept(Generic[V]):
    """A table as the handlers of one partition see it, with the values last read or
    written there kept in memory (``KEPT``, the oldest kept dropped first), and the key
    last found missing remembered as missing until it is written.

    What is kept is what the table holds: every write of a value of the partition goes
    through here (``PartitionState``), and ``FaustMatchState`` drops what a partition
    keeps with its index (a partition taken from this worker may come back changed by
    another). Values are never mutated (``KeyValueMap``), so a kept one is handed out as
    it is.
    """

    KEPT: ClassVar[int] = 0

    def __init__(self, table: KeyValueMap[V]) -> None:
        self._table = table
        self._kept: dict[str, V] = {}
        # A new case is looked up three times before it is written (is it a redelivery,
        # in ``app``, ``deciding`` and ``recording``), each a miss of RocksDB otherwise.
        self._missing: str | None = None

    def get(self, key: str) -> V | None:
        value = self._kept.get(key)
        if value is None:
            if key == self._missing:
                return None
            value = self._table.get(key)
            if value is None:
                self._missing = key
            else:
                self._keep(key, value)
        return value

    def set(self, key: str, value: V) -> None:
        self._table.set(key, value)
        if key == self._missing:
            self._missing = None
        self._keep(key, value)

    def delete(self, key: str) -> None:
        self._table.delete(key)
        self._kept.pop(key, None)
        self._missing = key

    def _keep(self, key: str, value: V) -> None:
        kept = self._kept
        if key not in kept and len(kept) >= self.KEPT:
            oldest = next(iter(kept))
            del kept[oldest]
            self._dropped(oldest)
        kept[key] = value

    def _dropped(self, key: str) -> None:
        """``key``'s value is no longer kept (the oldest, to make room)."""


class KeptRecords(_Kept[bytes]):
    """The ``cases`` table of one partition, its recent records kept.

    Matching reads a dozen candidates' records per case, most of them recent cases read
    for cases before (a key's newest), each a read of RocksDB through Faust's store and
    serialiser otherwise.
    """

    #: Records kept per partition: some 8 MiB.
    KEPT: ClassVar[int] = 16_384


class KeptMatters(_Kept[JsonValue], DecodedMatters):
    """The ``matters`` table of one partition, its recent matters kept (decoded JSON),
    and beside a kept value the ``MatterRecord`` it reads as (``record``).

    A case reads its matter when it is linked (``deciding``) and again when it is
    recorded (``recording``), and the next petition of the matter reads what this one
    wrote: each a read of RocksDB and a JSON decoding through Faust otherwise. Each of
    those reads decoded the matter's record again (its named cases and petitioners: a
    tenth of a millisecond a letter for a matter of a few hundred letters); a record
    written through ``set_record`` is kept as it reads back, and one read is decoded once.

    A record is kept only beside its value: written with ``set`` (not ``set_record``),
    deleted, or dropped to make room, the value goes and its record with it; a write the
    table refuses (raising) leaves both as they were, but for the record, decoded again
    at the next read.
    """

    #: Matters kept per partition: a few MiB (a matter is some 1-2 KiB of Python objects,
    #: more for the rare one of a mass campaign; its record shares the value's named
    #: petitioners, its largest part).
    KEPT: ClassVar[int] = 2_048

    def __init__(self, table: KeyValueMap[JsonValue]) -> None:
        super().__init__(table)
        # Matter id -> its kept value as read (``MatterRecord.from_json``).
        self._records: dict[str, MatterRecord] = {}

    def record(self, matter_id: str) -> MatterRecord | None:
        matter = self._records.get(matter_id)
        if matter is not None:
            return matter
        value = self.get(matter_id)
        if value is None:
            return None
        matter = MatterRecord.from_json(matter_id, value)
        if matter_id in self._kept:
            self._records[matter_id] = matter
        return matter

    def set_record(self, matter_id: str, matter: MatterRecord) -> None:
        value, read_back = matter.stored()
        self.set(matter_id, value)
        if read_back.matter_id == matter_id:
            self._records[matter_id] = read_back

    def set(self, key: str, value: JsonValue) -> None:
        self._records.pop(key, None)
        super().set(key, value)

    def delete(self, key: str) -> None:
        self._records.pop(key, None)
        super().delete(key)

    def _dropped(self, key: str) -> None:
        self._records.pop(key, None)


class PartitionState:
    """``MatchState`` of one partition: the shared tables and the partition's index."""

    def __init__(self, cases: KeptRecords, matters: KeptMatters, index: CaseIndex):
        self._cases = cases
        self._matters = matters
        self._index = index

    @property
    def cases(self) -> KeptRecords:
        return self._cases

    @property
    def matters(self) -> KeptMatters:
        return self._matters

    @property
    def index(self) -> CaseIndex:
        return self._index


class FaustMatchState:
    """The dedup service's state: two tables, and an index per active partition."""

    def __init__(self, *, cases: Any, matters: Any, config: DedupConfig) -> None:
        self._cases_table = cases
        self._cases: TableMap[bytes] = TableMap(cases)
        self._matters: TableMap[JsonValue] = TableMap(matters)
        self._config = config
        self._indexes: dict[int, CaseIndex] = {}
        # Beside each index, the state its handlers see: the records and matters its
        # partition read and wrote last, kept with the index (and dropped with it).
        self._states: dict[int, PartitionState] = {}
        # Counts the assignments seen: an index built for an older one is not kept.
        self._assignment = 0

    def partition(self, partition: int) -> PartitionState:
        """The state of ``partition``, for a handler of one of its events."""
        state = self._states.get(partition)
        if state is not None:
            return state
        index = self._indexes.get(partition)
        if index is None:
            # Not built on recovery (which builds every active partition's): build it now,
            # blocking the worker for as long as that takes.
            log.warning("index built outside recovery", extra={"partition": partition})
            builder = IndexBuilder(self._config)
            for batch in _batches(stored_cases(self._cases_table, partition), self._config):
                builder.add(batch)
            index = self._indexes[partition] = builder.build()
            settle_heap()
        state = PartitionState(KeptRecords(self._cases), KeptMatters(self._matters), index)
        self._states[partition] = state
        return state

    async def rebuild(self, partitions: Iterable[int]) -> None:
        """Build the index of each of ``partitions`` that has none, from its ``cases``.

        Yields to the event loop between batches (heartbeats go on), and sorts in a
        thread: about 10 s a million cases.
        """
        assignment = self._assignment
        for partition in sorted(set(partitions) - set(self._indexes)):
            started = time.perf_counter()
            builder = IndexBuilder(self._config)
            for batch in _batches(stored_cases(self._cases_table, partition), self._config):
                builder.add(batch)
                await asyncio.sleep(0)
            index = await asyncio.to_thread(builder.build)
            if assignment != self._assignment:
                # A rebalance began meanwhile: its recovery will call again.
                return
            self._indexes[partition] = index
            self._states.pop(partition, None)
            log.info(
                "index rebuilt",
                extra={
                    "partition": partition,
                    "cases": len(index),
                    "seconds": round(time.perf_counter() - started, 2),
                },
            )
        settle_heap()

    def keep_only(self, partitions: Iterable[int]) -> None:
        """Drop the index of every partition not in ``partitions`` (revoked)."""
        self._assignment += 1
        kept = set(partitions)
        for partition in set(self._indexes) - kept:
            del self._indexes[partition]
        for partition in set(self._states) - kept:
            del self._states[partition]

    def __len__(self) -> int:
        """Cases indexed on this worker, all partitions."""
        return sum(len(index) for index in self._indexes.values())


def settle_heap() -> None:
    """Take what is in memory now (the indexes just built) out of the garbage collector's
    full collections.

    An index holds millions of Python objects (case ids, key maps), all long-lived; each
    full collection would traverse them all: a pause of some 0.25 s per 300,000 cases
    indexed, 0.47 s per million, that stops every partition of the worker
    (``bench.dedup_bench`` measured a 465 ms lookup at 1,000,000 cases, 20 ms with this).
    Frozen objects are still freed by reference counting when an index is dropped; only a
    reference cycle among them would outlive it, and an index is lists, dicts and arrays
    of plain values.
    """
    gc.freeze()


def stored_cases(table: Any, partition: int) -> Iterator[tuple[str, bytes]]:
    """The (case id, record) items of one partition of the ``cases`` table, as stored."""
    store = table.data
    if hasattr(store, "_db_for_partition"):
        # RocksDB: one database per partition, keys as the table serialises them (JSON),
        # records as they are, and Faust's offset bookkeeping to skip.
        database = store._db_for_partition(partition)
        for key, value in database.items():
            if key != store.offset_key:
                yield store._decode_key(key), value
    else:
        # The memory store: one dict, the partition of each recovered key beside it.
        owners = store._key_partition
        for key, value in list(store.data.items()):
            if owners.get(key) == partition:
                yield key, value


def _batches(items: Iterator[tuple[str, bytes]], config: DedupConfig) -> Iterator[CaseColumns]:
    batch: dict[str, bytes] = {}
    for case_id, raw in items:
        batch[case_id] = raw
        if len(batch) == REBUILD_BATCH:
            yield CaseColumns.decode(batch, config.sketch_size)
            batch = {}
    if batch:
        yield CaseColumns.decode(batch, config.sketch_size)

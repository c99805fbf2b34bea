"""Restore a table's changelog partitions in bulk before Faust's own recovery reads them.

Faust's recovery reads changelogs through the worker's consumer one record at a time:
each record becomes an event on an asyncio queue, taken with a timeout of its own, then
checked against the remaining offsets of every partition (``Recovery._slurp_changelogs``).
That is about 7,000 records a second, whatever the broker can give: a dedup worker
holding a million cases (three million changelog records) took 440 s to restore.

``restore`` runs when Faust has worked out where each active changelog partition's reading
starts (``Recovery._build_offsets``: the store's persisted offset, or the partition's
start): a partition with at least ``MIN_RECORDS`` to read is read here instead, with a
consumer of its own (no group, large fetches), and its records are applied to the table's
store a fetch at a time, as RocksDB's ``Store.apply_changelog_batch`` applies Faust's
(one write batch of the raw keys and values, a tombstone a delete, then the offset
persisted beside them; without an event object per record, which cost more than the
write): the same writes in the same order. Faust's reading then starts where this one
stopped and finds the rest (records written meanwhile), if any.

What it does not do:

* standby partitions are left to Faust (they catch up in the background once the worker
  is ready; restoring them here would hold up the active ones);
* stores other than RocksDB through rocksdict (the memory store of the unit tests) are
  left to Faust;
* it takes at most ``BUDGET_SHARE`` of ``broker_request_timeout``: Faust runs
  ``_build_offsets`` under that timeout and takes running out of it for the service
  stopping, so a bigger backlog is left, past the budget, to Faust's reading. A new
  rebalance cancels it between fetches; what it applied stays, with its offsets.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import rocksdict
from aiokafka import AIOKafkaConsumer  # type: ignore[import-untyped]
from aiokafka.structs import TopicPartition  # type: ignore[import-untyped]
from faust.stores.rocksdb import Store as RocksDBStore
from faust.types import TP

log = logging.getLogger(__name__)

#: Partitions with fewer records to read are left to Faust: not worth a connection.
MIN_RECORDS: Final = 5_000
#: Share of ``broker_request_timeout`` the bulk reading may take.
BUDGET_SHARE: Final = 0.6
#: Fetch sizes of the restoring consumer: a changelog is read as fast as it comes.
FETCH_MAX_BYTES: Final = 64 << 20
PARTITION_FETCH_BYTES: Final = 16 << 20


@dataclass
class _Progress:
    store: RocksDBStore
    #: The next offset to read, and the end offset when the restore started.
    position: int
    end: int
    records: int = 0


def bootstrap_servers(app: Any) -> str:
    """The app's brokers as ``host:port,...``."""
    return ",".join(f"{url.host}:{url.port or 9092}" for url in app.conf.broker)


async def restore(recovery: Any, tps: Iterable[TP], offsets: Any, title: str) -> None:
    """Read the active changelog partitions ``tps`` from ``offsets`` on, in bulk.

    ``offsets`` maps each partition to the last offset its store holds (-1: none), as
    Faust's recovery keeps them; it is moved on to the last offset applied here.
    """
    if title != "active":
        return
    app = recovery.app
    stores = {tp: _rocksdict_store(recovery.tp_to_table.get(tp)) for tp in tps}
    candidates = [tp for tp, store in stores.items() if store is not None]
    if not candidates:
        return
    ends: Mapping[TP, int] = await app.consumer.highwaters(*candidates)
    work = {
        tp: _Progress(store, offsets[tp] + 1, ends[tp])
        for tp, store in stores.items()
        if store is not None
        and ends.get(tp) is not None
        and ends[tp] - (offsets[tp] + 1) >= MIN_RECORDS
    }
    if not work:
        return
    started = time.monotonic()
    deadline = started + BUDGET_SHARE * float(app.conf.broker_request_timeout)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers(app),
        client_id=f"{app.conf.id}-bulk-restore",
        group_id=None,
        enable_auto_commit=False,
        fetch_max_bytes=FETCH_MAX_BYTES,
        max_partition_fetch_bytes=PARTITION_FETCH_BYTES,
        request_timeout_ms=int(float(app.conf.broker_request_timeout) * 1000),
    )
    await consumer.start()
    try:
        await _read(consumer, work, offsets, deadline)
    finally:
        await consumer.stop()
        _report(work, time.monotonic() - started)


async def _read(
    consumer: Any, work: dict[TP, _Progress], offsets: Any, deadline: float
) -> None:
    partitions = {tp: TopicPartition(tp.topic, tp.partition) for tp in work}
    consumer.assign(list(partitions.values()))
    for tp, progress in work.items():
        consumer.seek(partitions[tp], progress.position)
    reading = set(partitions.values())
    while reading and time.monotonic() < deadline:
        fetched = await consumer.getmany(*reading, timeout_ms=1000)
        for partition, records in fetched.items():
            tp = TP(partition.topic, partition.partition)
            progress = work[tp]
            # Records written after the restore began are left to Faust's reading.
            kept = [record for record in records if record.offset < progress.end]
            if kept:
                _apply(progress.store, tp, kept)
                offsets[tp] = kept[-1].offset
                progress.records += len(kept)
        for partition in list(reading):
            tp = TP(partition.topic, partition.partition)
            work[tp].position = await consumer.position(partition)
            if work[tp].position >= work[tp].end:
                reading.discard(partition)


def _rocksdict_store(table: Any) -> RocksDBStore | None:
    store = getattr(table, "data", None)
    if isinstance(store, RocksDBStore) and store.use_rocksdict:
        return store
    return None


def _apply(store: RocksDBStore, tp: TP, records: list[Any]) -> None:
    # What RocksDB's Store.apply_changelog_batch does with events, from the records: the
    # raw key and value (a tombstone deletes), one write batch, then the offset persisted.
    batch = rocksdict.WriteBatch(raw_mode=True)
    put, delete = batch.put, batch.delete
    for record in records:
        if record.value is None:
            delete(record.key)
        else:
            put(record.key, record.value)
    store._db_for_partition(tp.partition).write(batch)
    store.set_persisted_offset(tp, records[-1].offset)


def _report(work: dict[TP, _Progress], seconds: float) -> None:
    records = sum(progress.records for progress in work.values())
    left = {
        f"{tp.topic}/{tp.partition}": progress.end - progress.position
        for tp, progress in work.items()
        if progress.position < progress.end
    }
    log.info(
        "changelogs restored in bulk",
        extra={
            "partitions": len(work),
            "records": records,
            "seconds": round(seconds, 2),
            "records_per_second": round(records / seconds) if seconds > 0 else None,
            "left_to_faust": left,
        },
    )

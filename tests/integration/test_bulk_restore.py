"""The bulk restore of changelogs on a real broker, into a real Faust RocksDB table.

The table's store ends up holding exactly what the changelog says (overwrites and
tombstones applied in order), with the offsets Faust's own reading then starts from; a
second restore starts where the store stood, and a backlog below ``MIN_RECORDS`` is left
to Faust.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import faust
import pytest
from aiokafka import AIOKafkaConsumer  # type: ignore[import-untyped]
from aiokafka.structs import TopicPartition  # type: ignore[import-untyped]
from faust.types import TP
from kafka import KafkaProducer

from services.common import bulk_restore
from services.common.topics import ensure_topics
from services.devtools.kafka_local import KafkaLocal

pytestmark = pytest.mark.integration

PARTITIONS = 2


class _Consumer:
    """The one call restore makes on the worker's consumer: the partitions' end offsets."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap

    async def highwaters(self, *tps: TP) -> dict[TP, int]:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap)
        await consumer.start()
        try:
            partitions = [TopicPartition(tp.topic, tp.partition) for tp in tps]
            ends = await consumer.end_offsets(partitions)
        finally:
            await consumer.stop()
        return {TP(tp.topic, tp.partition): offset for tp, offset in ends.items()}


def _table(kafka: KafkaLocal, tmp_path: Path) -> tuple[Any, Any]:
    app = faust.App(
        f"bulk-{uuid.uuid4().hex[:8]}",
        broker=f"kafka://{kafka.bootstrap}",
        store="rocksdb://",
        datadir=str(tmp_path),
        key_serializer="raw",
    )
    table = app.Table("state", default=None, value_type=bytes, partitions=PARTITIONS)
    recovery = SimpleNamespace(
        app=SimpleNamespace(
            consumer=_Consumer(kafka.bootstrap),
            conf=SimpleNamespace(
                broker=app.conf.broker, id=app.conf.id, broker_request_timeout=90.0
            ),
        ),
        tp_to_table={},
    )
    ensure_topics(
        kafka.bootstrap,
        [table.changelog_topic.get_topic_name()],
        partitions=PARTITIONS,
        replication_factor=1,
        config={"cleanup.policy": "compact"},
    )
    return table, recovery


def _produce(kafka: KafkaLocal, topic: str, writes: list[tuple[int, bytes, bytes | None]]) -> None:
    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all", linger_ms=5)
    for partition, key, value in writes:
        producer.send(topic, key=key, value=value, partition=partition)
    producer.flush()
    producer.close()


def _stored(table: Any, partition: int) -> dict[bytes, bytes]:
    store = table.data
    return {
        key: value
        for key, value in store._db_for_partition(partition).items()
        if key != store.offset_key
    }


def _writes(start: int, count: int) -> list[tuple[int, bytes, bytes | None]]:
    # Keys written several times over; every seventh write a tombstone.
    return [
        (n % PARTITIONS, f"k{n % 1_500}".encode(), None if n % 7 == 0 else f"v{n}".encode())
        for n in range(start, start + count)
    ]


def _expected(writes: list[tuple[int, bytes, bytes | None]], partition: int) -> dict[bytes, bytes]:
    state: dict[bytes, bytes] = {}
    for written_to, key, value in writes:
        if written_to != partition:
            continue
        if value is None:
            state.pop(key, None)
        else:
            state[key] = value
    return state


async def test_the_store_gets_what_the_changelog_holds_from_where_it_stood(
    kafka: KafkaLocal, tmp_path: Path
) -> None:
    table, recovery = _table(kafka, tmp_path)
    topic = table.changelog_topic.get_topic_name()
    tps = {TP(topic, p) for p in range(PARTITIONS)}
    recovery.tp_to_table = dict.fromkeys(tps, table)
    first = _writes(0, 2 * bulk_restore.MIN_RECORDS + 2_000)
    _produce(kafka, topic, first)
    offsets: dict[TP, int] = dict.fromkeys(tps, -1)  # Faust's "nothing read yet"

    await bulk_restore.restore(recovery, tps, offsets, "active")

    per_partition = len(first) // PARTITIONS
    assert offsets == dict.fromkeys(tps, per_partition - 1)
    for tp in tps:
        assert _stored(table, tp.partition) == _expected(first, tp.partition)
        assert table.data.persisted_offset(tp) == per_partition - 1

    # More writes: the next restore reads on from the offsets, not from the start.
    second = _writes(len(first), 2 * bulk_restore.MIN_RECORDS)
    _produce(kafka, topic, second)
    await bulk_restore.restore(recovery, tps, offsets, "active")
    assert offsets == dict.fromkeys(tps, (len(first) + len(second)) // PARTITIONS - 1)
    for tp in tps:
        assert _stored(table, tp.partition) == _expected(first + second, tp.partition)


async def test_small_backlogs_and_standbys_are_left_to_faust(
    kafka: KafkaLocal, tmp_path: Path
) -> None:
    table, recovery = _table(kafka, tmp_path)
    topic = table.changelog_topic.get_topic_name()
    tps = {TP(topic, p) for p in range(PARTITIONS)}
    recovery.tp_to_table = dict.fromkeys(tps, table)
    _produce(kafka, topic, _writes(0, bulk_restore.MIN_RECORDS))  # half of it a partition
    offsets: dict[TP, int] = dict.fromkeys(tps, -1)
    await bulk_restore.restore(recovery, tps, offsets, "active")
    assert offsets == dict.fromkeys(tps, -1)
    assert all(not _stored(table, tp.partition) for tp in tps)

    _produce(kafka, topic, _writes(0, 2 * bulk_restore.MIN_RECORDS))
    await bulk_restore.restore(recovery, tps, offsets, "standby")
    assert offsets == dict.fromkeys(tps, -1)

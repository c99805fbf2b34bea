"""A batch's changelog records go straight to the producer, as Faust's path would send them,
and each table partition's persisted offset is recorded once, after the acknowledgements."""

from __future__ import annotations

import asyncio
import weakref
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import faust
import pytest
from aiokafka.structs import RecordMetadata, TopicPartition  # type: ignore[import-untyped]
from faust.stores.rocksdb import Store as RocksDBStore
from faust.streams import _current_event
from prometheus_client import CollectorRegistry

from schemas.petitions import Stage
from schemas.registry import CASES_DEDUPLICATED
from services.common import changelog
from services.common.batch import OPEN_BATCH, Batch, ChangelogWrite, latest_writes
from services.common.batch_loop import BatchLoop
from services.common.held import HeldTable
from services.common.metrics import Metrics
from services.common.service import Service
from services.common.settings import ServiceSettings

SOURCE = "cases.deduplicated"


class _Event:
    """What Faust's tables read of the event in hand: its message's partition."""

    def __init__(self, partition: int) -> None:
        self.message = SimpleNamespace(topic=SOURCE, partition=partition)


class _Producer:
    """Faust's producer as far as a changelog record goes: what ``send`` was given, each
    acknowledged at once with the partition's next offset; Faust's buffer (``send_soon``)
    published as its task would."""

    def __init__(self) -> None:
        self.sent: list[tuple[Any, ...]] = []
        self.next_offset: dict[tuple[str, int], int] = defaultdict(lambda: 40)
        self.buffered: list[Any] = []
        self._task: asyncio.Task[None] | None = None

    async def maybe_start(self) -> None:
        return None

    async def send(
        self, topic: str, key: Any, value: Any, partition: Any, timestamp: Any, headers: Any,
        **kwargs: Any,
    ) -> asyncio.Future[Any]:  # fmt: skip
        assert not kwargs
        self.sent.append((topic, key, value, partition, timestamp, headers))
        offset = self.next_offset[(topic, partition)]
        self.next_offset[(topic, partition)] += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        tp = TopicPartition(topic, partition)
        future.set_result(RecordMetadata(topic, partition, tp, offset, 0, 0, 0))
        return future

    def send_soon(self, fut: Any) -> None:
        self.buffered.append(fut)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        # ProducerBuffer._handle_pending: one task, in the order buffered.
        while self.buffered:
            fut = self.buffered.pop(0)
            await fut.message.channel.publish_message(fut, wait=False)

    async def _publish(self) -> None:
        """Wait until every buffered record is sent."""
        while self._task is not None and not self._task.done():
            await self._task


@pytest.fixture
def persisted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, int]]:
    """Every persisted offset a RocksDB store writes: (table, partition, offset)."""
    calls: list[tuple[str, int, int]] = []
    original = RocksDBStore.set_persisted_offset

    def recording(self: Any, tp: Any, offset: int) -> None:
        calls.append((self.table_name, tp.partition, offset))
        original(self, tp, offset)

    monkeypatch.setattr(RocksDBStore, "set_persisted_offset", recording)
    return calls


def _service(tmp_path: Path, name: str = "xinfang-test") -> tuple[Service, _Producer]:
    settings = ServiceSettings(data_dir=tmp_path, demo_mode=True)
    datadir = tmp_path / name
    while datadir.exists():  # a second app of the same name: its own stores
        datadir = datadir.with_name(datadir.name + "+")
    app = faust.App(
        name, store="rocksdb://", datadir=str(datadir),
        key_serializer="raw", value_serializer="raw",
    )  # fmt: skip
    producer = _Producer()
    app.producer = producer  # type: ignore[assignment]
    return Service(Stage.NOTIFICATION, settings, app, Metrics(CollectorRegistry())), producer


def _tables(service: Service) -> tuple[Any, Any]:
    json_table = service.table("rows", 4, "JSON rows")
    raw_table = service.table("blobs", 4, "raw rows", raw=True)
    for table in (json_table, raw_table):
        table._verified_source_topics_for_partitions.add(SOURCE)
    return json_table, raw_table


def _write(json_table: Any, raw_table: Any) -> None:
    """A batch's writes: values rewritten, deleted, raw, on two partitions."""
    for partition in (1, 3):
        event = _Event(partition)  # the context keeps a weak reference
        _current_event.set(weakref.ref(event))  # type: ignore[arg-type]
        json_table["case/XF-1"] = {"case": "XF-1", "due": ["2026120509"], "名": "信访"}
        json_table["case/XF-2"] = {"case": "XF-2", "n": partition}
        json_table["case/XF-1"] = {"case": "XF-1", "due": []}
        del json_table["case/XF-2"]
        raw_table["blob-1"] = b"\x00\x01 raw"
        json_table[f"case/XF-{partition}0"] = [1, 2.5, None, "x"]
    _current_event.set(None)


def _held_back(service: Service) -> list[ChangelogWrite]:
    json_table, raw_table = _tables(service)
    batch = Batch()
    opened = OPEN_BATCH.set(batch)
    try:
        _write(json_table, raw_table)
    finally:
        OPEN_BATCH.reset(opened)
    return latest_writes(batch.changelog)


async def test_the_records_are_those_faust_s_own_path_sends(tmp_path: Path) -> None:
    # Faust's own tables, without the batch: every write through send_changelog at once.
    plain_app = faust.App(
        "xinfang-test", store="rocksdb://", datadir=str(tmp_path / "plain"),
        key_serializer="raw", value_serializer="raw",
    )  # fmt: skip
    plain = _Producer()
    plain_app.producer = plain  # type: ignore[assignment]
    tables: list[Any] = [
        plain_app.Table("rows", default=None, partitions=4),
        plain_app.Table("blobs", default=None, value_type=bytes, partitions=4),
    ]
    for table in tables:
        table._verified_source_topics_for_partitions.add(SOURCE)
    _write(*tables)
    await plain._publish()
    # Held back by the batch, each key's last write sent straight to the producer.
    service, producer = _service(tmp_path)
    writes = _held_back(service)
    handed = changelog.hand_over(service.app, writes)
    assert len(producer.buffered) == 1  # one item in Faust's buffer for the whole batch
    await handed.acknowledged()
    assert len(handed.results) == len(writes) == 8
    assert not handed.through_faust
    # Faust's records in Faust's order, but for the values a later write of their key
    # replaced (a deletion's key is serialized as a value's: XF-2 goes as its tombstone).
    replaced = {
        '{"case":"XF-1","due":["2026120509"],"名":"信访"}'.encode(),
        b'{"case":"XF-2","n":1}',
        b'{"case":"XF-2","n":3}',
    }
    assert len(plain.sent) == 12
    assert producer.sent == [record for record in plain.sent if record[2] not in replaced]
    assert producer.sent[0] == (
        "xinfang-test-rows-changelog", b'"case/XF-1"', b'{"case":"XF-1","due":[]}', 1, None, {}
    )
    tombstone: tuple[Any, ...] = ("xinfang-test-rows-changelog", b'"case/XF-2"', None, 1, None, {})
    assert tombstone in producer.sent
    # And byte for byte what the same held-back writes give through Faust's path.
    through_faust, faust_producer = _service(tmp_path, "xinfang-test")
    for _, send, args, kwargs in _held_back(through_faust):
        send(*args, **kwargs)
    await faust_producer._publish()
    assert faust_producer.sent == producer.sent


async def test_each_partition_s_highest_offset_is_persisted_once(
    tmp_path: Path, persisted: list[tuple[str, int, int]]
) -> None:
    service, _ = _service(tmp_path)
    writes = _held_back(service)
    handed = changelog.hand_over(service.app, writes)
    await handed.acknowledged()
    assert persisted == []  # not before the batch's records are all acknowledged
    handed.persist_offsets()
    # rows: three records on each partition (offsets 40-42), blobs one (40).
    assert sorted(persisted) == [
        ("blobs", 1, 40), ("blobs", 3, 40), ("rows", 1, 42), ("rows", 3, 42)
    ]  # fmt: skip
    # What Faust's acknowledgement callbacks leave, one write per record.
    faust_service, faust_producer = _service(tmp_path, "xinfang-other")
    del persisted[:]
    for _, send, args, kwargs in _held_back(faust_service):
        send(*args, **kwargs)
    await faust_producer._publish()
    last: dict[tuple[str, int], int] = {}
    for table, partition, offset in persisted:
        last[(table, partition)] = offset
    assert len(persisted) == 8
    assert sorted((t, p, o) for (t, p), o in last.items()) == [
        ("blobs", 1, 40), ("blobs", 3, 40), ("rows", 1, 42), ("rows", 3, 42)
    ]  # fmt: skip
    store: Any = service.app.tables["rows"]
    store = store.data
    assert store.persisted_offset(TopicPartition("xinfang-test-rows-changelog", 3)) == 42


class _Stream:
    def __init__(self) -> None:
        self.acked: list[Any] = []

    async def ack(self, event: Any) -> None:
        self.acked.append(event)


async def test_a_batch_commits_held_writes_straight_and_persists_once(
    tmp_path: Path, persisted: list[tuple[str, int, int]]
) -> None:
    service, producer = _service(tmp_path)
    json_table, raw_table = _tables(service)
    held = HeldTable(json_table)
    loop = BatchLoop(service, CASES_DEDUPLICATED, handler=None)  # type: ignore[arg-type]
    batch = Batch()
    event = _Event(2)
    opened = OPEN_BATCH.set(batch)
    _current_event.set(weakref.ref(event))  # type: ignore[arg-type]
    try:
        raw_table["blob"] = b"one"
        held["notice-1"] = {"status": "sending"}
        held["notice-2"] = {"status": "sending"}
        held["notice-1"] = {"status": "sent"}
        assert json_table.get("notice-1") is None  # held until the outputs are acknowledged
    finally:
        OPEN_BATCH.reset(opened)
        _current_event.set(None)
    stream = _Stream()
    await loop._commit(stream, batch, [event])
    assert stream.acked == [event]
    assert json_table.get("notice-1") == {"status": "sent"}
    # The held writes went straight to the producer, after the batch's own, none through
    # Faust's buffer; one persisted offset per table partition.
    assert [(topic.split("-")[2], key) for topic, key, *_ in producer.sent] == [
        ("blobs", b'"blob"'), ("rows", b'"notice-2"'), ("rows", b'"notice-1"')
    ]  # fmt: skip
    assert not producer.buffered
    assert sorted(persisted) == [("blobs", 2, 40), ("rows", 2, 41)]
    assert not service.unsettled


async def test_a_record_sent_outside_the_batch_is_not_overtaken(tmp_path: Path) -> None:
    service, producer = _service(tmp_path)
    json_table, _ = _tables(service)
    loop = BatchLoop(service, CASES_DEDUPLICATED, handler=None)  # type: ignore[arg-type]
    event = _Event(0)
    _current_event.set(weakref.ref(event))  # type: ignore[arg-type]
    try:
        # A send ending in the background (held.write_later): Faust's buffer, not sent yet.
        json_table["notice"] = {"status": "sent", "at": 1}
        assert producer.buffered
        assert len(service.unsettled) == 1
        batch = Batch()
        opened = OPEN_BATCH.set(batch)
        try:
            json_table["notice"] = {"status": "sent", "at": 2}
        finally:
            OPEN_BATCH.reset(opened)
    finally:
        _current_event.set(None)
    await loop._commit(_Stream(), batch, [event])
    # The changelog's last record of the key is the store's last value.
    assert [value for _, _, value, *_ in producer.sent] == [
        b'{"status":"sent","at":1}', b'{"status":"sent","at":2}'
    ]  # fmt: skip


async def test_a_persisted_offset_is_never_moved_back(
    tmp_path: Path, persisted: list[tuple[str, int, int]]
) -> None:
    service, _ = _service(tmp_path)
    writes = _held_back(service)
    # A record written outside the batch, acknowledged first, at a later offset.
    store: Any = service.app.tables["rows"]
    store = store.data
    store.set_persisted_offset(TopicPartition("xinfang-test-rows-changelog", 1), 60)
    del persisted[:]
    handed = changelog.hand_over(service.app, writes)
    await handed.acknowledged()
    handed.persist_offsets()
    assert sorted(persisted) == [("blobs", 1, 40), ("blobs", 3, 40), ("rows", 3, 42)]
    assert store.persisted_offset(TopicPartition("xinfang-test-rows-changelog", 1)) == 60


def _last_records(producer: _Producer) -> dict[tuple[str, int, bytes], Any]:
    """The changelog's last record of each key: (topic, partition, key) -> value."""
    last: dict[tuple[str, int, bytes], Any] = {}
    for topic, key, value, partition, *_ in producer.sent:
        last[(topic, partition, key)] = value
    return last


def _in_batch(batch: Batch, write: Any) -> None:
    opened = OPEN_BATCH.set(batch)
    try:
        write()
    finally:
        OPEN_BATCH.reset(opened)


ROWS = "xinfang-test-rows-changelog"
BLOBS = "xinfang-test-blobs-changelog"


@pytest.mark.parametrize("when", ["before the commit", "while its outputs are acknowledged"])
async def test_a_write_outside_the_batch_is_not_overtaken_by_the_batch_s_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    # engine.py: "sending" written in the batch (its record held back), then "sent" by the
    # send's done-callback outside any batch (held.write_later) before the batch commits.
    service, producer = _service(tmp_path)
    json_table, raw_table = _tables(service)
    loop = BatchLoop(service, CASES_DEDUPLICATED, handler=None)  # type: ignore[arg-type]
    event = _Event(2)
    _current_event.set(weakref.ref(event))  # type: ignore[arg-type]
    batch = Batch()

    def in_batch() -> None:
        json_table["notice"] = {"status": "sending"}
        json_table["gone"] = {"status": "sending"}
        raw_table["blob"] = b"batch"

    def outside() -> None:
        assert OPEN_BATCH.get() is None
        _current_event.set(weakref.ref(event))  # type: ignore[arg-type]
        json_table["notice"] = {"status": "sent"}
        del json_table["gone"]
        json_table["other"] = {"status": "sent"}  # a key the batch does not hold: at once
        _current_event.set(None)

    try:
        _in_batch(batch, in_batch)
        if when == "before the commit":
            outside()
        else:
            acknowledged = service.sender.acknowledged

            async def acknowledging(sends: Any) -> None:
                outside()
                await acknowledged(sends)

            monkeypatch.setattr(service.sender, "acknowledged", acknowledging)
    finally:
        _current_event.set(None)
    await loop._commit(_Stream(), batch, [event])
    await producer._publish()
    _current_event.set(weakref.ref(event))  # type: ignore[arg-type]
    try:
        assert json_table["notice"] == {"status": "sent"}
        assert "gone" not in json_table
    finally:
        _current_event.set(None)
    last = _last_records(producer)
    assert last[(ROWS, 2, b'"notice"')] == b'{"status":"sent"}'
    assert last[(ROWS, 2, b'"gone"')] is None
    assert last[(ROWS, 2, b'"other"')] == b'{"status":"sent"}'
    assert last[(BLOBS, 2, b'"blob"')] == b"batch"


async def test_early_tables_held_writes_and_a_given_up_batch_keep_the_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, producer = _service(tmp_path)
    json_table, raw_table = _tables(service)
    service.changelog_first = frozenset({"blobs"})  # dedup's cases: handed over first
    held = HeldTable(json_table)
    loop = BatchLoop(service, CASES_DEDUPLICATED, handler=None)  # type: ignore[arg-type]
    event = _Event(1)
    _current_event.set(weakref.ref(event))  # type: ignore[arg-type]
    batch = Batch()

    def in_batch() -> None:
        raw_table["blob"] = b"batch"
        json_table["row"] = {"n": 1}
        held["held"] = {"n": 1}

    acknowledged = service.sender.acknowledged

    async def acknowledging(sends: Any) -> None:
        _current_event.set(weakref.ref(event))  # type: ignore[arg-type]
        raw_table["blob"] = b"outside"
        json_table["row"] = {"n": 2}
        json_table["held"] = {"n": 2}  # not held back yet: sent at once, the held one after
        _current_event.set(None)
        await acknowledged(sends)

    try:
        _in_batch(batch, in_batch)
    finally:
        _current_event.set(None)
    monkeypatch.setattr(service.sender, "acknowledged", acknowledging)
    await loop._commit(_Stream(), batch, [event])
    await producer._publish()
    last = _last_records(producer)
    assert last[(BLOBS, 1, b'"blob"')] == b"outside"
    assert last[(ROWS, 1, b'"row"')] == b'{"n":2}'
    assert last[(ROWS, 1, b'"held"')] == b'{"n":1}'
    _current_event.set(weakref.ref(event))  # type: ignore[arg-type]
    try:
        assert (raw_table["blob"], json_table["row"], json_table["held"]) == (
            b"outside", {"n": 2}, {"n": 1}
        )  # fmt: skip
        # Committed: a write outside a batch goes at once again.
        json_table["row"] = {"n": 3}
        assert len(service.unsettled) == 1
        # A batch given up before its hand-over (its task cancelled): what was written
        # outside it to its keys is sent as it would have been without it.
        given_up = Batch()
        _in_batch(given_up, lambda: json_table.__setitem__("row", {"n": 4}))
        json_table["row"] = {"n": 5}
        given_up.finish()
        json_table["row"] = {"n": 6}
    finally:
        _current_event.set(None)
    await producer._publish()
    values = [value for topic, key, value, *_ in producer.sent if key == b'"row"']
    assert values[-3:] == [b'{"n":3}', b'{"n":5}', b'{"n":6}']

"""A table write is encoded once: its store keeps the bytes its changelog record has."""

from __future__ import annotations

import asyncio
import random
import weakref
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import faust
import pytest
from faust.stores.base import SerializedStore
from faust.streams import _current_event
from prometheus_client import CollectorRegistry

from schemas.petitions import Stage
from services.common.batch import OPEN_BATCH, Batch, json_encoder
from services.common.metrics import Metrics
from services.common.service import Service
from services.common.settings import ServiceSettings


class _Event:
    """What Faust's tables read of the event in hand: its message's partition."""

    def __init__(self, partition: int) -> None:
        self.message = SimpleNamespace(topic="cases.deduplicated", partition=partition)


def test_the_store_takes_the_changelog_record_s_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded: list[Any] = []
    encode = SerializedStore._encode_value

    def counting(self: Any, value: Any) -> Any:
        encoded.append(value)
        return encode(self, value)

    keys: list[Any] = []
    encode_key = SerializedStore._encode_key

    def counting_keys(self: Any, key: Any) -> Any:
        keys.append(key)
        return encode_key(self, key)

    monkeypatch.setattr(SerializedStore, "_encode_value", counting)
    monkeypatch.setattr(SerializedStore, "_encode_key", counting_keys)
    settings = ServiceSettings(data_dir=tmp_path, demo_mode=True)
    app = faust.App("xinfang-test", store="rocksdb://", datadir=str(tmp_path))
    service = Service(Stage.ESCALATION, settings, app, Metrics(CollectorRegistry()))
    table = service.table("state", 4, "a table")
    table._verified_source_topics_for_partitions.add("cases.deduplicated")

    async def main() -> None:
        event: Any = _Event(1)
        batch = Batch()
        opened = OPEN_BATCH.set(batch)
        _current_event.set(weakref.ref(event))
        try:
            row = {"case": "XF-1", "due": ["2026120509"]}
            table["case/XF-1"] = row
            table["case/XF-2"] = {"case": "XF-2"}
            row = {**row, "due": []}
            table["case/XF-1"] = row
            del table["case/XF-2"]
            store = table.data
            # Every value the store took is the changelog record's, encoded once.
            records = {args[1]: args[2] for _, _, args, _ in batch.changelog}
            assert store._get(b'"case/XF-1"') == records[b'"case/XF-1"']
            assert store._get(b'"case/XF-2"') is None
            assert records[b'"case/XF-1"'] == b'{"case":"XF-1","due":[]}'
            assert encoded == []
            # The keys too, the deleted one's included.
            assert keys == []
            # A value written past the changelog (no record before it) is encoded as ever.
            store["other"] = {"n": 1}
            assert encoded == [{"n": 1}]
            # Its str key in one JSON call (json_encoder), the bytes Faust's path gives.
            assert keys == []
            assert store._get(b'"other"') == b'{"n":1}'
            assert store._get(encode_key(store, "other")) == b'{"n":1}'
            assert table.get("other") == {"n": 1}
        finally:
            OPEN_BATCH.reset(opened)
            _current_event.set(None)

    asyncio.run(main())


def test_the_one_call_json_encoding_is_faust_s(tmp_path: Path) -> None:
    rng = random.Random(7)
    settings = ServiceSettings(data_dir=tmp_path, demo_mode=True)
    app = faust.App("xinfang-test", store="rocksdb://", datadir=str(tmp_path))
    service = Service(Stage.ESCALATION, settings, app, Metrics(CollectorRegistry()))
    table = service.table("state", 4, "a table")
    topic = table.changelog_topic
    json_key = json_encoder(topic, key=True)
    json_value = json_encoder(topic, key=False)
    assert json_key is not None
    assert json_value is not None
    alphabet = 'ab"\\/é信访\n\t\u2028 {}[],:0'

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))

    def value(depth: int = 0) -> Any:
        kind = rng.randrange(7 if depth < 3 else 5)
        if kind == 0:
            return text()
        if kind == 1:
            return rng.randint(-(2**40), 2**40)
        if kind == 2:
            return rng.random() * 1e6
        if kind == 3:
            return rng.choice([None, True, False])
        if kind == 4:
            return datetime(2026, 12, 6, rng.randint(0, 23), tzinfo=UTC)
        if kind == 5:
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        return {text(): value(depth + 1) for _ in range(rng.randint(0, 4))}

    for _ in range(500):
        key = text()
        assert json_key(key) == topic.prepare_key(key, None)[0]
        row = {text(): value() for _ in range(rng.randint(0, 5))}
        assert json_value(row) == topic.prepare_value(row, None)[0]
        rows = [value() for _ in range(rng.randint(0, 5))]
        assert json_value(rows) == topic.prepare_value(rows, None)[0]
    # A raw table's values are bytes, its path is not the JSON codec's.
    raw = service.table("raw", 4, "a raw table", raw=True)
    assert json_encoder(raw.changelog_topic, key=False) is None

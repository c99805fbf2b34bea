"""A table write is encoded once: its store keeps the bytes its changelog record has."""

from __future__ import annotations

import asyncio
import weakref
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import faust
import pytest
from faust.stores.base import SerializedStore
from faust.streams import _current_event
from prometheus_client import CollectorRegistry

from schemas.petitions import Stage
from services.common.batch import OPEN_BATCH, Batch
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
            assert keys == ["other"]
            assert table.get("other") == {"n": 1}
        finally:
            OPEN_BATCH.reset(opened)
            _current_event.set(None)

    asyncio.run(main())

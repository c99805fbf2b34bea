"""A held write (``services.common.held``) is encoded once: the record measured when the
write is made is the one its changelog gets when the write is applied."""

from __future__ import annotations

import asyncio
import weakref
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import faust
import pytest
from faust.streams import _current_event
from prometheus_client import CollectorRegistry

from schemas.petitions import Stage
from schemas.registry import MAX_MESSAGE_BYTES, RECORD_OVERHEAD_BYTES
from services.common import batch as batch_module
from services.common.batch import OPEN_BATCH, Batch, StateTooLargeError, prepare, write_prepared
from services.common.held import HeldTable
from services.common.metrics import Metrics
from services.common.service import Service
from services.common.settings import ServiceSettings


class _Event:
    def __init__(self, partition: int) -> None:
        self.message = SimpleNamespace(topic="cases.deduplicated", partition=partition)


def _table(tmp_path: Path) -> Any:
    settings = ServiceSettings(data_dir=tmp_path, demo_mode=True)
    app = faust.App("xinfang-test", store="rocksdb://", datadir=str(tmp_path))
    service = Service(Stage.NOTIFICATION, settings, app, Metrics(CollectorRegistry()))
    table = service.table("sent", 4, "a table")
    table._verified_source_topics_for_partitions.add("cases.deduplicated")
    return table


def test_a_held_write_is_encoded_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = _table(tmp_path)
    held = HeldTable(table)
    encodings: list[Any] = []
    serialized = batch_module._serialized

    def counting(*args: Any, **kwargs: Any) -> Any:
        encodings.append(args[3])
        return serialized(*args, **kwargs)

    monkeypatch.setattr(batch_module, "_serialized", counting)

    async def main() -> None:
        event: Any = _Event(2)
        batch = Batch()
        opened = OPEN_BATCH.set(batch)
        _current_event.set(weakref.ref(event))
        try:
            held["n/1"] = {"status": "recorded", "at": "2026-12-06T10:00:00+00:00"}
            held["n/2"] = {"status": "sent"}
            held["n/2"] = {"status": "recorded"}  # the later write of the key is applied
            assert len(encodings) == 3  # measured when made
            for write in batch.held:
                write()
            # Applied without a second encoding, each with the bytes measured.
            assert len(encodings) == 3
            records = {
                args[1]: (args[0], args[2], kwargs) for _, _, args, kwargs in batch.changelog
            }
            assert records == {
                b'"n/1"': (
                    2,
                    b'{"status":"recorded","at":"2026-12-06T10:00:00+00:00"}',
                    {"key_serializer": "raw", "value_serializer": "raw"},
                ),
                b'"n/2"': (
                    2,
                    b'{"status":"recorded"}',
                    {"key_serializer": "raw", "value_serializer": "raw"},
                ),
            }
            assert table.data._get(b'"n/2"') == b'{"status":"recorded"}'
            assert table.get("n/1") == {"status": "recorded", "at": "2026-12-06T10:00:00+00:00"}
        finally:
            OPEN_BATCH.reset(opened)
            _current_event.set(None)

    asyncio.run(main())


def test_a_prepared_record_is_taken_only_for_its_own_value(tmp_path: Path) -> None:
    table = _table(tmp_path)

    async def main() -> None:
        event: Any = _Event(1)
        batch = Batch()
        opened = OPEN_BATCH.set(batch)
        _current_event.set(weakref.ref(event))
        try:
            prepared = prepare(table, "k", {"v": 1})
            assert prepared is not None
            assert prepared.size == len(b'"k"') + len(b'{"v":1}') + RECORD_OVERHEAD_BYTES
            # Another value under the key: encoded again, not the prepared bytes.
            write_prepared(table, prepared, "k", {"v": 2})
            # And nothing is left over for the next write.
            table["j"] = {"v": 1}
            values = [args[2] for _, _, args, _ in batch.changelog]
            assert values == [b'{"v":2}', b'{"v":1}']
            assert table.get("k") == {"v": 2}
        finally:
            OPEN_BATCH.reset(opened)
            _current_event.set(None)

    asyncio.run(main())


def test_a_held_write_too_large_is_refused_when_made(tmp_path: Path) -> None:
    table = _table(tmp_path)
    held = HeldTable(table)

    async def main() -> None:
        event: Any = _Event(0)
        batch = Batch()
        opened = OPEN_BATCH.set(batch)
        _current_event.set(weakref.ref(event))
        try:
            with pytest.raises(StateTooLargeError):
                held["big"] = {"text": "x" * (MAX_MESSAGE_BYTES + 1)}
            assert batch.held == []
        finally:
            OPEN_BATCH.reset(opened)
            _current_event.set(None)

    asyncio.run(main())

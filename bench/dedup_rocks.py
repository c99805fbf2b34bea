"""A ``MatchState`` stored the way the service's Faust tables store it, for the benchmark.

Each map is a RocksDB (``rocksdict``, as Faust's RocksDB store uses) with JSON keys and
JSON or raw-bytes values, so reads and writes pay what a table's store pays: key and value
serialisation and a RocksDB get or put. What it leaves out is what Faust adds on top: one
changelog record produced per ``set`` or ``delete``, which is why it counts them. The
index is in memory, as in the service (``faust_state``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Generic, TypeVar

from rocksdict import Options, Rdict

from services.dedup.config import DedupConfig
from services.dedup.index import CaseIndex

V = TypeVar("V")


class Counts:
    """Table reads and writes, the writes being what the changelog would carry."""

    def __init__(self) -> None:
        self.gets = 0
        self.sets = 0


class RocksMap(Generic[V]):
    """A ``KeyValueMap`` in one RocksDB: JSON keys, raw bytes or JSON values."""

    def __init__(self, path: Path, counts: Counts, *, raw: bool) -> None:
        self._db = Rdict(str(path), Options(raw_mode=True))
        self._counts = counts
        self._raw = raw

    def get(self, key: str) -> V | None:
        self._counts.gets += 1
        value: bytes | None = self._db.get(json.dumps(key).encode())
        if value is None or self._raw:
            return value  # type: ignore[return-value]
        decoded: V = json.loads(value)
        return decoded

    def set(self, key: str, value: V) -> None:
        self._counts.sets += 1
        encoded = value if self._raw else json.dumps(value, separators=(",", ":")).encode()
        self._db.put(json.dumps(key).encode(), encoded)

    def delete(self, key: str) -> None:
        self._counts.sets += 1
        self._db.delete(json.dumps(key).encode())

    def close(self) -> None:
        self._db.close()


class RocksMatchState:
    """``MatchState`` with both maps in RocksDB, one database each, under ``directory``."""

    def __init__(self, directory: Path, config: DedupConfig) -> None:
        self.counts = Counts()
        self._cases: RocksMap[bytes] = RocksMap(directory / "cases", self.counts, raw=True)
        self._matters: RocksMap[Any] = RocksMap(directory / "matters", self.counts, raw=False)
        self._index = CaseIndex.for_config(config)

    @property
    def cases(self) -> RocksMap[bytes]:
        return self._cases

    @property
    def matters(self) -> RocksMap[Any]:
        return self._matters

    @property
    def index(self) -> CaseIndex:
        return self._index

    def close(self) -> None:
        """Close both databases."""
        self._cases.close()
        self._matters.close()

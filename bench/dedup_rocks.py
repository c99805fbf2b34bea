"""A ``MatchState`` stored the way the service's Faust tables store it, for the benchmark.

Each map is a RocksDB (``rocksdict``, as Faust's RocksDB store uses) with JSON keys and
JSON or raw-bytes values, so reads and writes pay what a table's store pays: key and value
serialisation and a RocksDB get or put. What it leaves out is what Faust adds on top: one
changelog record produced per ``set`` or ``delete``, which is why it counts them.

The band index follows ``state.BandIndex``'s note: ``str(band)`` -> the band's case ids,
newest last, capped at the newest ``cap`` (``members`` never returns older ones).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from rocksdict import Options, Rdict

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


class RocksBandIndex:
    """A ``BandIndex`` over a ``RocksMap`` of ``str(band)`` -> case ids, newest last."""

    def __init__(self, table: RocksMap[list[str]], cap: int) -> None:
        self._table = table
        self._cap = cap

    def members(self, bands: Sequence[int], limit: int) -> list[str]:
        # Newest first across bands by position from each list's end: the lists carry
        # no times, and this is what a table of lists can answer with one read a band.
        ranked: dict[str, int] = {}
        for band in bands:
            for age, case_id in enumerate(reversed(self._table.get(str(band)) or ())):
                ranked[case_id] = min(age, ranked.get(case_id, age))
        return sorted(ranked, key=ranked.__getitem__)[:limit]

    def add(self, bands: Sequence[int], case_id: str) -> None:
        for band in bands:
            key = str(band)
            members = [c for c in self._table.get(key) or () if c != case_id]
            self._table.set(key, [*members[-(self._cap - 1) :], case_id])

    def remove(self, bands: Sequence[int], case_id: str) -> None:
        for band in bands:
            key = str(band)
            members = [c for c in self._table.get(key) or () if c != case_id]
            if members:
                self._table.set(key, members)
            else:
                self._table.delete(key)


class RocksMatchState:
    """``MatchState`` in RocksDB, one database per map, under ``directory``."""

    def __init__(self, directory: Path, band_cap: int) -> None:
        self.counts = Counts()
        self._maps: dict[str, RocksMap[Any]] = {
            name: RocksMap(directory / name, self.counts, raw=name == "cases")
            for name in ("cases", "matters", "fingerprints", "petitioners", "places", "expiry")
        }
        self._band_table: RocksMap[list[str]] = RocksMap(
            directory / "bands", self.counts, raw=False
        )
        self._bands = RocksBandIndex(self._band_table, band_cap)

    @property
    def cases(self) -> RocksMap[bytes]:
        return self._maps["cases"]

    @property
    def matters(self) -> RocksMap[Any]:
        return self._maps["matters"]

    @property
    def fingerprints(self) -> RocksMap[str]:
        return self._maps["fingerprints"]

    @property
    def petitioners(self) -> RocksMap[list[str]]:
        return self._maps["petitioners"]

    @property
    def places(self) -> RocksMap[list[str]]:
        return self._maps["places"]

    @property
    def expiry(self) -> RocksMap[list[str]]:
        return self._maps["expiry"]

    @property
    def bands(self) -> RocksBandIndex:
        return self._bands

    def close(self) -> None:
        """Close every database."""
        for table in (*self._maps.values(), self._band_table):
            table.close()

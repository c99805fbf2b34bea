"""The matcher's state on Faust tables: the service's implementation of ``MatchState``.

Every map is a changelogged table with one RocksDB per partition. The matching agent
consumes a topic keyed by region, so all reads and writes of a case happen in the event
context of its region's partition: they go to that partition's database and changelog,
and a restarted or moved worker recovers exactly the regions it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from services.dedup.state import JsonValue

V = TypeVar("V")



class TableMap(Generic[V]):
    """A ``KeyValueMap`` over a Faust table."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, key: str) -> V | None:
        value: V | None = self._table.get(key)
        return value

    def set(self, key: str, value: V) -> None:
        self._table[key] = value

    def delete(self, key: str) -> None:
        if self._table.get(key) is not None:
            del self._table[key]


class TableBandIndex:
    """A ``BandIndex`` over a Faust table from ``str(band)`` to case ids, oldest first."""

    def __init__(self, table: Any, capacity: int) -> None:
        # The matcher reads at most max_band_candidates ids per band, newest first: a longer
        # list would only cost rewrites.
        self._table = table
        self._capacity = capacity

    def members(self, bands: Sequence[int], limit: int) -> list[str]:
        # Rank every id by how recently it joined any of the bands; newest first.
        recency: dict[str, int] = {}
        for band in bands:
            ids: list[str] = self._table.get(str(band)) or []
            for age, case_id in enumerate(reversed(ids)):
                if age < recency.get(case_id, age + 1):
                    recency[case_id] = age
        return sorted(recency, key=recency.__getitem__)[:limit]

    def add(self, bands: Sequence[int], case_id: str) -> None:
        for band in bands:
            key = str(band)
            ids: list[str] = self._table.get(key) or []
            if case_id not in ids:
                self._table[key] = [*ids[-(self._capacity - 1) :], case_id]

    def remove(self, bands: Sequence[int], case_id: str) -> None:
        for band in bands:
            key = str(band)
            ids: list[str] = self._table.get(key) or []
            if case_id in ids:
                kept = [other for other in ids if other != case_id]
                if kept:
                    self._table[key] = kept
                else:
                    del self._table[key]


class FaustMatchState:
    """``MatchState`` over the dedup service's tables."""

    def __init__(
        self,
        *,
        cases: Any,
        matters: Any,
        fingerprints: Any,
        petitioners: Any,
        places: Any,
        expiry: Any,
        bands: Any,
        band_capacity: int,
    ) -> None:
        self._cases: TableMap[bytes] = TableMap(cases)
        self._matters: TableMap[JsonValue] = TableMap(matters)
        self._fingerprints: TableMap[str] = TableMap(fingerprints)
        self._petitioners: TableMap[list[str]] = TableMap(petitioners)
        self._places: TableMap[list[str]] = TableMap(places)
        self._expiry: TableMap[list[str]] = TableMap(expiry)
        self._bands = TableBandIndex(bands, band_capacity)

    @property
    def cases(self) -> TableMap[bytes]:
        return self._cases

    @property
    def matters(self) -> TableMap[JsonValue]:
        return self._matters

    @property
    def fingerprints(self) -> TableMap[str]:
        return self._fingerprints

    @property
    def petitioners(self) -> TableMap[list[str]]:
        return self._petitioners

    @property
    def places(self) -> TableMap[list[str]]:
        return self._places

    @property
    def expiry(self) -> TableMap[list[str]]:
        return self._expiry

    @property
    def bands(self) -> TableBandIndex:
        return self._bands

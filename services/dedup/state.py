"""The matcher's state: two key -> value maps, and an index derived from one of them.

In the service both maps are Faust tables (one RocksDB per partition, changelogged), and
the input is keyed by the matching area of the matter's ``region_code`` (``areas``: its
city), so one partition holds everything a petition can match. The in-memory maps here
serve the unit tests, ``dedup-batch`` and the benchmark. Index keys are scoped by area, so
a letter with the city's code meets the county cases of that city.

Keying by the matter's city is what makes joint petitions (many people, one place) meet,
with or without their county; its weaknesses, each a missed link rather than a wrong one:

* two different counties of a city are never linked: a matter spanning counties (a road
  through two districts, an employer with sites in several) is split by county, and a
  person's repeat filed under another county's code is not found;
* a matter spanning cities, or a petition entered with another city's code, is missed;
* a re-districting (a county turned district, new codes) cuts the history in two;
* one busy city is one partition, and so one core: it cannot be spread.
A second, cheap stage keyed by ``petitioner_ref`` (the key ``cases.registered`` already
has) holding each person's recent fingerprints and sketches would catch cross-county
repeats; it is not built.

Values are bytes (case records, the hot path: one per candidate compared) or JSON-able
values (matters). Callers never mutate a value they got: they build a new one and ``set``
it, which is what a table needs to see a change.

==============  ==========  ================================================================
map             key         value
==============  ==========  ================================================================
cases           case id     ``CaseRecord.encode()`` (bytes, ~400 bytes; some 150 more in
                            the service, which keeps a redelivery's digest in it)
matters         matter id   ``MatterRecord.to_json()`` (dict)
==============  ==========  ================================================================

Everything matching looks up by (the exact text, a petitioner, a named place, an LSH
band, the time of receipt) is in the case record, so it is not stored a second time:
``CaseIndex`` holds it in memory, and a worker that starts or takes over a partition
rebuilds it from that partition's ``cases`` (``faust_state``). A case then costs two
table writes (two changelog records) instead of one per band, petitioner, place and
expiry bucket, which is what makes a restore from the changelog fast.

This module holds the maps and the in-memory state; the records' encoding is in
``records``, the index in ``index``, the service's table-backed state in ``faust_state``.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Final, Generic, Protocol, TypeVar

from services.dedup.config import DedupConfig
from services.dedup.index import CaseIndex
from services.dedup.records import JsonValue, MatterRecord

V = TypeVar("V")
# One encoder: json.dumps with options builds a new one per call, a third of its cost.
_JSON: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


class KeyValueMap(Protocol[V]):
    """One table of the matcher's state: a map from str keys to values of one kind.

    ``get`` returns None for a missing key; ``delete`` of a missing key does nothing.
    Values must not be mutated after ``set`` or ``get``.
    """

    def get(self, key: str) -> V | None: ...

    def set(self, key: str, value: V) -> None: ...

    def delete(self, key: str) -> None: ...


class MatchState(Protocol):
    """Everything the matcher reads and writes: two maps and the index of ``cases``."""

    @property
    def cases(self) -> KeyValueMap[bytes]: ...

    @property
    def matters(self) -> KeyValueMap[JsonValue]: ...

    @property
    def index(self) -> CaseIndex: ...


class DecodedMatters(ABC):
    """A ``matters`` map that also hands out its values decoded: each value it keeps is
    decoded once (``faust_state.KeptMatters``), not on every read.

    ``record`` is ``MatterRecord.from_json`` of what ``get`` returns, None when that is
    None; ``set_record`` writes a record's ``to_json``, as ``set`` would.
    """

    @abstractmethod
    def record(self, matter_id: str) -> MatterRecord | None: ...

    @abstractmethod
    def set_record(self, matter_id: str, matter: MatterRecord) -> None: ...


def read_matter(matters: KeyValueMap[JsonValue], matter_id: str) -> MatterRecord | None:
    """The matter ``matter_id`` of ``matters``, decoded; None when it has none."""
    if isinstance(matters, DecodedMatters):
        return matters.record(matter_id)
    value = matters.get(matter_id)
    return None if value is None else MatterRecord.from_json(matter_id, value)


def write_matter(matters: KeyValueMap[JsonValue], matter_id: str, matter: MatterRecord) -> None:
    """Write ``matter`` as the value of ``matter_id`` (``MatterRecord.to_json``)."""
    if isinstance(matters, DecodedMatters):
        matters.set_record(matter_id, matter)
    else:
        matters.set(matter_id, matter.to_json())


class DictMap(Generic[V]):
    """A ``KeyValueMap`` in a dict. Values are kept as given: bytes or immutable values."""

    def __init__(self) -> None:
        self._data: dict[str, V] = {}

    def get(self, key: str) -> V | None:
        return self._data.get(key)

    def set(self, key: str, value: V) -> None:
        self._data[key] = value

    def delete(self, key: str) -> None:
        self._data.pop(key, None)

    def items(self) -> Iterator[tuple[str, V]]:
        """Every key and value (benchmarks, tools)."""
        return iter(self._data.items())

    def __len__(self) -> int:
        return len(self._data)


class JsonDictMap(Generic[V]):
    """A ``KeyValueMap`` that keeps values as JSON bytes, as a Faust table does.

    Serialising costs a few microseconds per access and saves most of the memory of
    Python objects; it also means a caller mutating a value it got changes nothing, just
    as with RocksDB, so tests cannot pass on an aliasing accident.
    """

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    def get(self, key: str) -> V | None:
        raw = self._data.get(key)
        return None if raw is None else json.loads(raw.decode())

    def set(self, key: str, value: V) -> None:
        self._data[key] = _JSON.encode(value).encode()

    def delete(self, key: str) -> None:
        self._data.pop(key, None)

    def items(self) -> Iterator[tuple[str, V]]:
        """Every key and value, decoded (benchmarks, tools)."""
        for key, raw in self._data.items():
            value: V = json.loads(raw.decode())
            yield key, value

    def __len__(self) -> int:
        return len(self._data)


class InMemoryMatchState:
    """``MatchState`` in process memory: tests, ``dedup-batch`` and the benchmark.

    ``config`` sizes the index: the matcher's ``max_cases_*`` and ``max_band_candidates``
    must not exceed the state's (the default configuration's unless given).
    """

    def __init__(self, config: DedupConfig | None = None) -> None:
        self._cases: DictMap[bytes] = DictMap()
        self._matters: JsonDictMap[JsonValue] = JsonDictMap()
        self._index = CaseIndex.for_config(config or DedupConfig())

    @property
    def cases(self) -> DictMap[bytes]:
        return self._cases

    @property
    def matters(self) -> JsonDictMap[JsonValue]:
        return self._matters

    @property
    def index(self) -> CaseIndex:
        return self._index

"""The matcher's state: a few key -> value maps, and their in-memory implementation.

In the service every map is a Faust table (one RocksDB per partition, changelogged), and
the input is keyed by the county-level ``region_code`` of the matter, so every key below
is scoped by region and one partition holds everything a petition can match. The
in-memory implementation here serves the unit tests, ``dedup-batch`` and the benchmark.

Keying by the matter's county is what makes joint petitions (many people, one place)
meet; its weaknesses, each a missed link rather than a wrong one:

* a matter spanning counties (a road through two districts, an employer with sites in
  several, a resident complaining where they live about a body elsewhere) is split by
  county, and a person's repeat filed under another county's code is not found;
* the code must be the matter's place, not the receiving bureau's: a skip-level petition
  entered at the city or province with that bureau's code lands elsewhere;
* a re-districting (a county turned district, new codes) cuts the history in two;
* one busy urban district is one partition, and so one core: it cannot be spread.
A second, cheap stage keyed by ``petitioner_ref`` (the key ``cases.registered`` already
has) holding each person's recent fingerprints and sketches would catch cross-county
repeats; it is not built.

Values are bytes (case records, the hot path: one per candidate compared) or JSON-able
values (everything else). Callers never mutate a value they got: they build a new one and
``set`` it, which is what a table needs to see a change.

Maps and keys (``R`` is the region code):

==============  ========================  =====================================================
map             key                       value
==============  ========================  =====================================================
cases           case id                   ``CaseRecord.encode()`` (bytes, ~370 bytes)
matters         matter id                 ``MatterRecord.to_json()`` (dict)
fingerprints    ``R|fingerprint``         case id of the latest case with that exact text
petitioners     ``R|petitioner_ref``      the petitioner's most recent case ids (capped)
places          ``R|place``               the place's most recent case ids (capped)
expiry          ``YYYY-MM-DDTHH:MM``      case ids received in that minute (UTC);
                                          ``~cursor``: the first minute the sweep has not
                                          finished
bands           LSH band hash (int)       case ids (a multimap: ``BandIndex``)
==============  ========================  =====================================================
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from itertools import chain
from typing import Any, Final, Generic, Protocol, Self, TypeVar

import numpy as np
import numpy.typing as npt

from schemas.cases import Verdict

V = TypeVar("V")
JsonValue = Any


class KeyValueMap(Protocol[V]):
    """One table of the matcher's state: a map from str keys to values of one kind.

    ``get`` returns None for a missing key; ``delete`` of a missing key does nothing.
    Values must not be mutated after ``set`` or ``get``.
    """

    def get(self, key: str) -> V | None: ...

    def set(self, key: str, value: V) -> None: ...

    def delete(self, key: str) -> None: ...


class BandIndex(Protocol):
    """The LSH index: band hash -> ids of cases having that band (a multimap).

    On Faust: a table from ``str(band)`` to a list of case ids, newest last, ``members``
    reading one key per band. Each list can be capped at the newest
    ``max_band_candidates``: ``members`` never returns older ones, and a band shared by
    thousands of cases (a template campaign, a stock phrase) otherwise makes every
    ``add`` rewrite thousands of ids.
    """

    def members(self, bands: Sequence[int], limit: int) -> list[str]:
        """Case ids in any of the bands, at most ``limit``, the most recently added first."""
        ...

    def add(self, bands: Sequence[int], case_id: str) -> None:
        """Put a case into its bands."""
        ...

    def remove(self, bands: Sequence[int], case_id: str) -> None:
        """Take a case out of its bands (expiry)."""
        ...


class MatchState(Protocol):
    """Everything the matcher reads and writes (see the module doc for keys)."""

    @property
    def cases(self) -> KeyValueMap[bytes]: ...

    @property
    def matters(self) -> KeyValueMap[JsonValue]: ...

    @property
    def fingerprints(self) -> KeyValueMap[str]: ...

    @property
    def petitioners(self) -> KeyValueMap[list[str]]: ...

    @property
    def places(self) -> KeyValueMap[list[str]]: ...

    @property
    def expiry(self) -> KeyValueMap[list[str]]: ...

    @property
    def bands(self) -> BandIndex: ...


class MatchReason(StrEnum):
    """Why dedup decided what it did; also a metric label.

    The first five are ``schemas.cases.DedupReason``; ``DIFFERENT_PLACE`` is new: a text
    like an earlier matter's but naming another place (a reused template), reported as a
    related matter and never linked.
    """

    FIRST_OF_MATTER = "first_of_matter"
    EXACT_REPEAT = "exact_repeat"
    NEAR_REPEAT = "near_repeat"
    JOINT_MATTER = "joint_matter"
    SIMILAR_BELOW_THRESHOLD = "similar_below_threshold"
    DIFFERENT_PLACE = "different_place"


class MatterStatus(StrEnum):
    """Where the handling of a matter stands, as far as dedup knows."""

    #: Accepted or being handled within its time limit: not accepted again (Art. 19).
    HANDLING = "handling"
    #: The time limit passed with no reply reported: a case for supervision (Art. 38).
    LIMIT_ELAPSED = "limit_elapsed"
    #: Replied or closed; the petitioner may ask for review (Art. 35).
    CLOSED = "closed"
    #: Re-reviewed or terminated: the same facts are not accepted again (Art. 36).
    TERMINATED = "terminated"


_VERDICTS: Final = tuple(Verdict)
_REASONS: Final = tuple(MatchReason)
# received_at (s), shingle count, verdict, reason, score (1/10000), repeat count, sig bytes
_HEADER: Final = struct.Struct("<qIBBHIH")
# The same header as a numpy record, to read the headers of many values in one call.
_HEADER_DTYPE: Final = np.dtype(
    [
        ("received_at", "<i8"),
        ("shingle_count", "<u4"),
        ("verdict", "u1"),
        ("reason", "u1"),
        ("score", "<u2"),
        ("repeat_count", "<u4"),
        ("signature_bytes", "<u2"),
    ]
)
_FIELD_SEP: Final = "\x1f"
# One encoder: json.dumps with options builds a new one per call, a third of its cost.
_JSON: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_ITEM_SEP: Final = "\x1e"


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """What the state keeps of a case: enough to compare, expire, replay and re-link it."""

    case_id: str
    matter_id: str
    region_code: str
    received_at: int
    field: str
    petitioner_refs: tuple[str, ...]
    places: tuple[str, ...]
    fingerprint: str
    shingle_count: int
    signature: npt.NDArray[np.uint16]
    verdict: Verdict
    reason: MatchReason
    score: float
    repeat_count: int

    def encode(self) -> bytes:
        """The compact binary value of the ``cases`` map (the case id is the key)."""
        signature = np.ascontiguousarray(self.signature, dtype="<u2").tobytes()
        header = _HEADER.pack(
            self.received_at,
            self.shingle_count,
            _VERDICTS.index(self.verdict),
            _REASONS.index(self.reason),
            round(self.score * 10_000),
            self.repeat_count,
            len(signature),
        )
        text = _FIELD_SEP.join(
            (
                self.matter_id,
                self.region_code,
                self.field,
                self.fingerprint,
                _ITEM_SEP.join(self.petitioner_refs),
                _ITEM_SEP.join(self.places),
            )
        )
        return header + signature + text.encode()

    @classmethod
    def decode(cls, case_id: str, raw: bytes) -> Self:
        """Read a value of the ``cases`` map."""
        received_at, count, verdict, reason, score, repeats, sig_len = _HEADER.unpack_from(raw)
        start = _HEADER.size
        signature = np.frombuffer(raw, dtype="<u2", count=sig_len // 2, offset=start)
        matter, region, field_, fp, refs, places = raw[start + sig_len :].decode().split(_FIELD_SEP)
        return cls(
            case_id=case_id,
            matter_id=matter,
            region_code=region,
            received_at=received_at,
            field=field_,
            petitioner_refs=tuple(refs.split(_ITEM_SEP)) if refs else (),
            places=tuple(places.split(_ITEM_SEP)) if places else (),
            fingerprint=fp,
            shingle_count=count,
            signature=signature,
            verdict=_VERDICTS[verdict],
            reason=_REASONS[reason],
            score=score / 10_000,
            repeat_count=repeats,
        )


@dataclass(frozen=True, slots=True)
class CaseColumns:
    """Many ``cases`` values read at once, column by column: what scoring candidates needs.

    Reading 20 values one ``CaseRecord`` at a time costs ~10 us each; here the headers and
    signatures of all of them are read by two numpy calls, leaving only the short text
    part to Python.
    """

    case_ids: list[str]
    matter_ids: list[str]
    region_codes: list[str]
    fields: list[str]
    fingerprints: list[str]
    petitioner_refs: list[tuple[str, ...]]
    places: list[tuple[str, ...]]
    received_at: npt.NDArray[np.int64]
    shingle_counts: npt.NDArray[np.int64]
    #: One row per case, ``sketch_size`` columns.
    signatures: npt.NDArray[np.uint16]

    @classmethod
    def decode(cls, values: dict[str, bytes], sketch_size: int) -> Self:
        """Read ``cases`` values (case id -> value) with sketches of ``sketch_size`` bins.

        A value with another sketch size (state left from another configuration) cannot
        be compared and is left out.
        """
        signature_bytes = 2 * sketch_size
        end = _HEADER.size + signature_bytes
        raws = list(values.values())
        heads = np.frombuffer(b"".join([raw[: _HEADER.size] for raw in raws]), _HEADER_DTYPE)
        comparable = heads["signature_bytes"] == signature_bytes
        if not comparable.all():
            kept = np.flatnonzero(comparable).tolist()
            case_ids = list(values)
            return cls.decode({case_ids[i]: raws[i] for i in kept}, sketch_size)
        signatures = np.frombuffer(b"".join([raw[_HEADER.size : end] for raw in raws]), "<u2")
        texts = [raw[end:].decode().split(_FIELD_SEP) for raw in raws]
        return cls(
            case_ids=list(values),
            matter_ids=[text[0] for text in texts],
            region_codes=[text[1] for text in texts],
            fields=[text[2] for text in texts],
            fingerprints=[text[3] for text in texts],
            petitioner_refs=[tuple(t[4].split(_ITEM_SEP)) if t[4] else () for t in texts],
            places=[tuple(t[5].split(_ITEM_SEP)) if t[5] else () for t in texts],
            received_at=heads["received_at"].astype(np.int64),
            shingle_counts=heads["shingle_count"].astype(np.int64),
            signatures=signatures.reshape(len(raws), sketch_size),
        )


@dataclass(frozen=True, slots=True)
class MatterRecord:
    """A matter: its cases, petitioners and handling status."""

    matter_id: str
    region_code: str
    first_case_id: str
    first_received_at: int
    open_case_id: str | None
    status: MatterStatus
    #: Until when the open case is within its time limit (epoch seconds).
    handling_due: int
    #: Live (not yet expired) case ids, oldest first.
    case_ids: tuple[str, ...]
    #: Petitions per petitioner_ref over the matter's life, expired ones included.
    petitioners: dict[str, int] = field(default_factory=dict)
    #: Petitions over the matter's life, expired ones included.
    petitions: int = 0

    def to_json(self) -> dict[str, JsonValue]:
        """The JSON value of the ``matters`` map."""
        return {
            "region": self.region_code,
            "first": self.first_case_id,
            "first_at": self.first_received_at,
            "open": self.open_case_id,
            "status": self.status.value,
            "due": self.handling_due,
            "cases": list(self.case_ids),
            "petitioners": dict(self.petitioners),
            "petitions": self.petitions,
        }

    @classmethod
    def from_json(cls, matter_id: str, value: dict[str, JsonValue]) -> Self:
        """Read a value of the ``matters`` map."""
        return cls(
            matter_id=matter_id,
            region_code=value["region"],
            first_case_id=value["first"],
            first_received_at=value["first_at"],
            open_case_id=value["open"],
            status=MatterStatus(value["status"]),
            handling_due=value["due"],
            case_ids=tuple(value["cases"]),
            petitioners=dict(value["petitioners"]),
            petitions=value["petitions"],
        )


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

    def __len__(self) -> int:
        return len(self._data)


class ArrayBandIndex:
    """A compact in-memory ``BandIndex``: sorted numpy runs of (band, case number) pairs.

    A dict with one entry per band and case would cost ~100 bytes an entry, 1.6 GB for
    16 bands of a million cases; here an entry costs 12 bytes. New entries collect in a
    small dict and are written out as a sorted run; runs are merged when the older is at
    most four times the newer (a log-structured merge), so adding stays amortised
    O(log n). Merging the largest runs
    pauses the caller (about a second at 16 million entries); a RocksDB table merges in
    the background instead.
    """

    _FLUSH_ENTRIES: Final = 65_536
    _GROWTH: Final = 4

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self._case_ids: list[str | None] = []
        self._pending: dict[int, list[int]] = {}
        self._pending_entries = 0
        self._runs: list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]] = []
        self._removed: set[int] = set()

    def members(self, bands: Sequence[int], limit: int) -> list[str]:
        # Cases are numbered as added, so the pending entries are newer than every run
        # and each run newer than the runs before it: reading newest first, the search
        # stops as soon as `limit` members are found, and a large old run is only read
        # when the newer ones hold too few. Within the pending entries and within a run
        # a band's numbers ascend (runs are sorted stably), so its newest entries are the
        # last `limit` of its range: a band shared by thousands of cases (a template
        # campaign) costs no more than any other. `older` is the newest number left out
        # of some range; if the answer is not all newer than it (removed cases among the
        # newest), it is found again the slow way.
        numbers: set[int] = set()
        older = -1
        for band in bands:
            pending = self._pending.get(band)
            if pending:
                numbers.update(pending[-limit:])
                if len(pending) > limit:
                    older = max(older, pending[-limit - 1])
        found = self._alive_newest(numbers, limit)
        if len(found) < limit and self._runs and bands:
            wanted = np.array(bands, dtype=np.uint64)
            back = _backwards(limit)
            for keys, values in reversed(self._runs):
                starts = keys.searchsorted(wanted, side="left")
                ends = keys.searchsorted(wanted, side="right")
                positions = ends[:, None] - back
                numbers.update(values[positions[positions >= starts[:, None]]].tolist())
                cut = ends - starts > limit
                if cut.any():
                    older = max(older, int(values[ends[cut] - limit - 1].max()))
                found = self._alive_newest(numbers, limit)
                if len(found) == limit:
                    break
        if older >= 0 and (len(found) < limit or found[-1][0] <= older):
            found = self._alive_newest(self._all_numbers(bands), limit)
        return [case_id for _, case_id in found]

    def _alive_newest(self, numbers: set[int], limit: int) -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []
        for n in sorted(numbers, reverse=True):
            if (case_id := self._case_ids[n]) is not None:
                found.append((n, case_id))
                if len(found) == limit:
                    break
        return found

    def _all_numbers(self, bands: Sequence[int]) -> set[int]:
        numbers = {n for band in bands for n in self._pending.get(band, [])}
        wanted = np.array(bands, dtype=np.uint64)
        for keys, values in self._runs:
            starts = keys.searchsorted(wanted, side="left").tolist()
            ends = keys.searchsorted(wanted, side="right").tolist()
            for start, end in zip(starts, ends, strict=True):
                numbers.update(values[start:end].tolist())
        return numbers

    def add(self, bands: Sequence[int], case_id: str) -> None:
        number = self._numbers.get(case_id)
        if number is None:
            number = len(self._case_ids)
            self._numbers[case_id] = number
            self._case_ids.append(case_id)
        for band in bands:
            self._pending.setdefault(band, []).append(number)
        self._pending_entries += len(bands)
        if self._pending_entries >= self._FLUSH_ENTRIES:
            self._flush()

    def remove(self, bands: Sequence[int], case_id: str) -> None:
        number = self._numbers.pop(case_id, None)
        if number is not None:
            self._removed.add(number)
            self._case_ids[number] = None

    def _flush(self) -> None:
        keys = np.repeat(
            np.fromiter(self._pending, dtype=np.uint64, count=len(self._pending)),
            [len(numbers) for numbers in self._pending.values()],
        )
        values = np.fromiter(
            chain.from_iterable(self._pending.values()),
            dtype=np.uint32,
            count=self._pending_entries,
        )
        self._pending = {}
        self._pending_entries = 0
        keys, values = _sorted_run(keys, values)
        # Merge while the run before the newest is at most _GROWTH times as large: run
        # sizes then grow by that factor, so there are few runs for `members` to search
        # (about three at 16 million entries, against five or six merging equal sizes)
        # for about 1.5 times the merging (every entry rewritten ~10 times, not ~6).
        while self._runs and self._runs[-1][0].size <= self._GROWTH * keys.size:
            older_keys, older_values = self._runs.pop()
            keys, values = _sorted_run(
                np.concatenate((older_keys, keys)), np.concatenate((older_values, values))
            )
        if self._removed:
            alive = ~np.isin(values, np.fromiter(self._removed, dtype=np.uint32))
            keys, values = keys[alive], values[alive]
            if not self._runs:
                self._removed.clear()
        if keys.size:
            self._runs.append((keys, values))

    def entries(self) -> int:
        """Entries held, for the benchmark."""
        return self._pending_entries + sum(keys.size for keys, _ in self._runs)


@cache
def _backwards(limit: int) -> npt.NDArray[np.intp]:
    # Offsets of the last `limit` entries of a range, counted back from its end.
    return np.arange(1, limit + 1)


def _sorted_run(
    keys: npt.NDArray[np.uint64], values: npt.NDArray[np.uint32]
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]:
    # Stable: a band's case numbers keep ascending; and a stable sort finds the two
    # sorted halves of a merge and merges them in linear time.
    order = np.argsort(keys, kind="stable")
    return keys[order], values[order]


class InMemoryMatchState:
    """``MatchState`` in process memory: tests, ``dedup-batch`` and the benchmark."""

    def __init__(self) -> None:
        self._cases: DictMap[bytes] = DictMap()
        self._matters: JsonDictMap[JsonValue] = JsonDictMap()
        self._fingerprints: DictMap[str] = DictMap()
        self._petitioners: JsonDictMap[list[str]] = JsonDictMap()
        self._places: JsonDictMap[list[str]] = JsonDictMap()
        self._expiry: JsonDictMap[list[str]] = JsonDictMap()
        self._bands = ArrayBandIndex()

    @property
    def cases(self) -> DictMap[bytes]:
        return self._cases

    @property
    def matters(self) -> JsonDictMap[JsonValue]:
        return self._matters

    @property
    def fingerprints(self) -> DictMap[str]:
        return self._fingerprints

    @property
    def petitioners(self) -> JsonDictMap[list[str]]:
        return self._petitioners

    @property
    def places(self) -> JsonDictMap[list[str]]:
        return self._places

    @property
    def expiry(self) -> JsonDictMap[list[str]]:
        return self._expiry

    @property
    def bands(self) -> ArrayBandIndex:
        return self._bands


def scoped_key(region_code: str, name: str) -> str:
    """A key of a region-scoped map (fingerprints, petitioners, places)."""
    return f"{region_code}|{name}"


def appended(values: Iterable[str] | None, item: str, cap: int) -> list[str]:
    """``values`` with ``item`` at the end (once), keeping the newest ``cap``."""
    kept = [value for value in values or () if value != item]
    kept.append(item)
    return kept[-cap:]

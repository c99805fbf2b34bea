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
cases           case id     ``CaseRecord.encode()`` (bytes, ~400 bytes)
matters         matter id   ``MatterRecord.to_json()`` (dict)
==============  ==========  ================================================================

Everything matching looks up by (the exact text, a petitioner, a named place, an LSH
band, the time of receipt) is in the case record, so it is not stored a second time:
``CaseIndex`` holds it in memory, and a worker that starts or takes over a partition
rebuilds it from that partition's ``cases`` (``faust_state``). A case then costs two
table writes (two changelog records) instead of one per band, petitioner, place and
expiry bucket, which is what makes a restore from the changelog fast.
"""

from __future__ import annotations

import json
import struct
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import chain
from typing import Any, Final, Generic, NamedTuple, Protocol, Self, TypeVar

import numpy as np
import numpy.typing as npt
import xxhash

from schemas.cases import Verdict
from services.dedup import sketch as sk
from services.dedup.areas import match_area
from services.dedup.config import DedupConfig

V = TypeVar("V")
JsonValue = Any
U64 = npt.NDArray[np.uint64]


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
# received_at (s), sequence, shingle count, verdict, reason, score (1/10000), repeat count,
# signature bytes
_HEADER: Final = struct.Struct("<qQIBBHIH")
# The same header as a numpy record, to read the headers of many values in one call.
_HEADER_DTYPE: Final = np.dtype(
    [
        ("received_at", "<i8"),
        ("sequence", "<u8"),
        ("shingle_count", "<u4"),
        ("verdict", "u1"),
        ("reason", "u1"),
        ("score", "<u2"),
        ("repeat_count", "<u4"),
        ("signature_bytes", "<u2"),
    ]
)
# The header's last field, on its own.
_SIGNATURE_BYTES: Final = struct.Struct("<H")
_FIELD_SEP: Final = "\x1f"
# One encoder: json.dumps with options builds a new one per call, a third of its cost.
_JSON: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_ITEM_SEP: Final = "\x1e"


class CaseDetails(NamedTuple):
    """The text part of a case record: what comparing two cases needs besides numbers."""

    matter_id: str
    region_code: str
    field: str
    fingerprint: str
    petitioner_refs: tuple[str, ...]
    places: tuple[str, ...]
    #: What the title says about the matter (``text.topic``); "" in a record written
    #: before it was kept.
    topic: str = ""

    @classmethod
    def decode(cls, raw: bytes) -> CaseDetails:
        """Read the text part of a ``cases`` value (after header and signature)."""
        matter, region, field_, fp, refs, places, *topic = raw.decode().split(_FIELD_SEP)
        # Positional: read for every candidate scored, and keywords cost twice as much.
        return cls(
            matter,
            region,
            field_,
            fp,
            tuple(refs.split(_ITEM_SEP)) if refs else (),
            tuple(places.split(_ITEM_SEP)) if places else (),
            topic[0] if topic else "",
        )


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """What the state keeps of a case: enough to compare, expire, replay and re-link it."""

    case_id: str
    matter_id: str
    region_code: str
    received_at: int
    #: The order in which the partition recorded its cases (``CaseIndex.next_sequence``):
    #: "newest" in the index means highest sequence, before and after a rebuild.
    sequence: int
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
    topic: str = ""

    def encode(self) -> bytes:
        """The compact binary value of the ``cases`` map (the case id is the key)."""
        signature = np.ascontiguousarray(self.signature, dtype="<u2").tobytes()
        header = _HEADER.pack(
            self.received_at,
            self.sequence,
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
                self.topic,
            )
        )
        return header + signature + text.encode()

    @classmethod
    def decode(cls, case_id: str, raw: bytes) -> Self:
        """Read a value of the ``cases`` map."""
        received_at, sequence, count, verdict, reason, score, repeats, sig_len = (
            _HEADER.unpack_from(raw)
        )
        start = _HEADER.size
        signature = np.frombuffer(raw, dtype="<u2", count=sig_len // 2, offset=start)
        details = CaseDetails.decode(raw[start + sig_len :])
        return cls(
            case_id=case_id,
            matter_id=details.matter_id,
            region_code=details.region_code,
            received_at=received_at,
            sequence=sequence,
            field=details.field,
            petitioner_refs=details.petitioner_refs,
            places=details.places,
            fingerprint=details.fingerprint,
            shingle_count=count,
            signature=signature,
            verdict=_VERDICTS[verdict],
            reason=_REASONS[reason],
            score=score / 10_000,
            repeat_count=repeats,
            topic=details.topic,
        )


def case_details(raw: bytes) -> CaseDetails:
    """The text part of a ``cases`` value, without reading the rest."""
    (signature_bytes,) = _SIGNATURE_BYTES.unpack_from(raw, _HEADER.size - _SIGNATURE_BYTES.size)
    return CaseDetails.decode(raw[_HEADER.size + signature_bytes :])


@dataclass(frozen=True, slots=True)
class CaseColumns:
    """Many ``cases`` values read at once, column by column: what scoring candidates needs.

    Reading 20 values one ``CaseRecord`` at a time costs ~10 us each; here the headers and
    signatures of all of them are read by two numpy calls, and the text part of a value
    is only decoded (``details``) for the few candidates whose score makes it matter.
    """

    case_ids: list[str]
    received_at: npt.NDArray[np.int64]
    sequences: npt.NDArray[np.int64]
    shingle_counts: npt.NDArray[np.int64]
    #: One row per case, ``sketch_size`` columns.
    signatures: npt.NDArray[np.uint16]
    #: The undecoded text part of each value.
    texts: list[bytes]

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
        return cls(
            case_ids=list(values),
            received_at=heads["received_at"].astype(np.int64),
            sequences=heads["sequence"].astype(np.int64),
            shingle_counts=heads["shingle_count"].astype(np.int64),
            signatures=signatures.reshape(len(raws), sketch_size),
            texts=[raw[end:] for raw in raws],
        )

    def details(self, row: int) -> CaseDetails:
        """The text part of the case in ``row``."""
        return CaseDetails.decode(self.texts[row])

    def __len__(self) -> int:
        return len(self.case_ids)


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


# Seeds of the index's key hashes, one per kind of key: an exact text, a petitioner and a
# place of one region never share a key (band keys are made by ``sketch.band_keys``).
_FINGERPRINT: Final = 1
_PETITIONER: Final = 2
_PLACE: Final = 3


def cases_kept_per_key(config: DedupConfig) -> int:
    """How many cases the index keeps per key: twice what a lookup reads of one at most.

    The margin stands in for removed cases among a key's newest (expired ones, which are
    the oldest in all but a backfill): a lookup reads the newest live ones.
    """
    return 2 * max(
        config.max_cases_per_petitioner, config.max_cases_per_place, config.max_band_candidates
    )


def _key(kind: int, region_code: str, name: str) -> int:
    return xxhash.xxh3_64_intdigest(f"{region_code}|{name}".encode(), seed=kind)


class _KeyedCase(Protocol):
    @property
    def region_code(self) -> str: ...

    @property
    def fingerprint(self) -> str: ...

    @property
    def petitioner_refs(self) -> tuple[str, ...]: ...

    @property
    def places(self) -> tuple[str, ...]: ...


def _named_keys(case: _KeyedCase, *, with_fingerprint: bool) -> list[int]:
    # The keys of a case besides its bands. A text without shingles matches nothing, not
    # even its exact copy: it has no fingerprint key.
    region = match_area(case.region_code)
    keys = [_key(_FINGERPRINT, region, case.fingerprint)] if with_fingerprint else []
    keys.extend(_key(_PETITIONER, region, ref) for ref in case.petitioner_refs)
    keys.extend(_key(_PLACE, region, place) for place in case.places)
    return keys


@dataclass(frozen=True, slots=True)
class _Run:
    """A sorted run of the index: keys ascending, each key's sequences descending."""

    keys: U64
    sequences: npt.NDArray[np.uint32]
    #: ``sequences`` as a memoryview, for the lookups: reading one entry from Python
    #: costs some 50 ns there, a numpy scalar twice that, and a numpy call on a few
    #: entries a microsecond or more.
    sequence_view: memoryview = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sequence_view", self.sequences.data)

    @property
    def size(self) -> int:
        return int(self.keys.size)


@dataclass(slots=True)
class _Merge:
    """Two adjacent runs being merged a slice at a time (``CaseIndex.compact``)."""

    older: _Run
    newer: _Run
    keys: U64
    sequences: npt.NDArray[np.uint32]
    #: Entries of ``older`` and ``newer`` consumed, and of the output written.
    read_older: int = 0
    read_newer: int = 0
    written: int = 0


class Sketches(NamedTuple):
    """What scoring needs of many indexed cases, one each (``CaseIndex.sketches``)."""

    #: One row per case.
    signatures: npt.NDArray[np.uint16]
    #: Lists: the matcher scores the few cases of a lookup one by one.
    shingle_counts: list[int]
    received_at: list[int]


class CaseIndex:
    """Where matching finds and scores its candidates: the case records' keys, in memory.

    For each case it holds (as 64-bit hashes, scoped by region) its exact text, its
    petitioners, the places it names and its LSH bands, and answers: which cases share
    these keys, newest first, at most so many per key (``DedupConfig.max_cases_*``,
    ``max_band_candidates``). It also keeps each case's sketch, shingle count and time
    of receipt, so candidates are scored without reading their records: only the few
    that score high enough to link or be suggested are read. It is derived from the
    ``cases`` map only: a case's ``sequence`` (the order it was recorded in) is in its
    record, so an index rebuilt from the records (``IndexBuilder``) answers exactly as
    the one built case by case. A hash collision can only add a candidate, which scoring
    then compares like any other.

    A key keeps its newest ``keep`` cases (``cases_kept_per_key``: twice the most a
    lookup reads of one), as the capped lists of a table would: a template campaign's
    band, shared by thousands of cases, costs no more than any other key. Older ones are
    dropped, so were all of a key's newest removed, it would find nothing (removal is
    expiry, which goes oldest first).

    Storage is a log-structured merge of (key, sequence) pairs, 12 bytes an entry (~12
    entries a case at a million, shared bands cut): new entries collect in a dict and
    are sorted into a numpy run when they reach ``FLUSH_ENTRIES`` (10-20 ms every 3,000
    cases or so, the only pause); in a run a key's entries are newest first, so a lookup
    reads a key's newest with one binary search and one read of that many entries after
    it. Adjacent runs merge when the older is at most ``GROWTH`` times the newer, so a
    lookup searches three runs at most, and each entry is rewritten some 14 times over
    its life (a few microseconds a case). A merge is done a slice at a time: every
    ``add`` does ``MERGE_STEP`` entries of it, so merging the largest runs (ten million
    entries at a million cases) never pauses a lookup; until it is complete the runs it
    reads from answer the lookups. Removed cases are forgotten at once and their entries
    dropped by the next merge that reads them.
    """

    #: New entries are sorted into a run when they reach this many.
    FLUSH_ENTRIES: Final = 65_536
    #: Adjacent runs merge when the older is at most this many times the newer.
    GROWTH: Final = 8
    #: Entries of merge work done per added case while a merge is in progress.
    MERGE_STEP: Final = 8_192
    #: Cases per block of sketches (256 MiB of address space, the pages used as they
    #: are written): blocks are never copied as the index grows.
    BLOCK: Final = 1 << 20
    #: Records kept decoded (``details``): the most recently read, some 16 MiB.
    DETAILS_CACHED: Final = 16_384

    def __init__(self, keep: int) -> None:
        if keep < 1:
            raise ValueError(f"an index keeps at least one case per key, not {keep}")
        self._keep = keep
        # Per sequence, from `_first` on, `_slots` of them: the case id (None once removed
        # or for a gap), whether it is alive, when it was received, its shingle count and
        # its sketch. The ids are in a numpy array of objects, not a list: the garbage
        # collector does not walk a numpy array, and a list of a million strings costs
        # every full collection some 50 ms.
        self._first = 0
        self._slots = 0
        self._case_ids: npt.NDArray[np.object_] = np.empty(0, dtype=object)
        self._alive = np.zeros(0, dtype=bool)
        # The same flags as a memoryview: the lookups read them one at a time.
        self._alive_view = self._alive.data
        self._received = np.zeros(0, dtype=np.int64)
        self._counts = np.zeros(0, dtype=np.int64)
        self._blocks: list[npt.NDArray[np.uint16]] = []
        self._live = 0
        # The exact text, petitioner and place keys: each key's newest `keep` sequences,
        # oldest first, in a dict (a lookup reads a few, of any age). Most keys have one
        # case (an exact text, a person): that is an int; more are an array (not a list:
        # the garbage collector need not look at what it holds).
        self._named: dict[int, int | array[int]] = {}
        self._named_entries = 0
        # The band keys (most of the entries): new ones here, then in sorted runs. A key
        # met once (most) holds an int, as in `_named`: an array costs more to make.
        self._pending: dict[int, int | array[int]] = {}
        self._pending_entries = 0
        self._runs: list[_Run] = []
        self._merge: _Merge | None = None
        # Sequence -> (the record's value, its text part decoded), oldest read first.
        self._details: dict[int, tuple[bytes, CaseDetails]] = {}

    @classmethod
    def for_config(cls, config: DedupConfig) -> CaseIndex:
        """An empty index keeping ``cases_kept_per_key(config)`` cases per key."""
        return cls(cases_kept_per_key(config))

    def __len__(self) -> int:
        """Cases indexed and not removed."""
        return self._live

    @property
    def next_sequence(self) -> int:
        """The sequence the next recorded case gets: after every case indexed so far."""
        return self._first + self._slots

    def entries(self) -> int:
        """(key, case) entries held, removed cases' bands included until merged away."""
        return self._named_entries + self._pending_entries + sum(run.size for run in self._runs)

    # -- lookups ---------------------------------------------------------------------

    def candidates(
        self,
        region_code: str,
        fingerprint: str | None,
        petitioner_refs: Sequence[str],
        places: Sequence[str],
        bands: U64,
        config: DedupConfig,
    ) -> list[int]:
        """Sequences of the live cases sharing a key with these, each once.

        In order: the newest case with the exact text (``fingerprint``, None for a text
        without shingles), each petitioner's newest ``max_cases_per_petitioner`` and each
        place's newest ``max_cases_per_place`` (oldest first within each), then the newest
        ``max_band_candidates`` sharing any band, newest first.
        """
        named: list[int] = []
        caps: list[int] = []
        region_code = match_area(region_code)
        if fingerprint is not None:
            named.append(_key(_FINGERPRINT, region_code, fingerprint))
            caps.append(1)
        for ref in petitioner_refs:
            named.append(_key(_PETITIONER, region_code, ref))
            caps.append(config.max_cases_per_petitioner)
        for place in places:
            named.append(_key(_PLACE, region_code, place))
            caps.append(config.max_cases_per_place)
        caps_asked = [*caps, config.max_band_candidates] if bands.size else caps
        if max(caps_asked, default=0) > self._keep:
            raise ValueError(f"this index keeps {self._keep} cases per key: fewer than asked")
        ordered: list[int] = []
        alive = self._alive_view
        first = self._first
        for key, cap in zip(named, caps, strict=True):
            # Oldest first within a key, as a table's capped list would give them.
            value = self._named.get(key)
            if value is None:
                continue
            if isinstance(value, int):
                if alive[value - first]:
                    ordered.append(value)
                continue
            newest = []
            for sequence in reversed(value):
                if alive[sequence - first]:
                    newest.append(sequence)
                    if len(newest) == cap:
                        break
            ordered.extend(reversed(newest))
        ordered.extend(self._newest_in_bands(bands.tolist(), config.max_band_candidates))
        return list(dict.fromkeys(ordered))

    def sketches(self, sequences: list[int]) -> Sketches:
        """Sketch, shingle count and time of receipt of indexed cases, in that order."""
        slots = np.array(sequences, dtype=np.int64) - self._first
        if len(self._blocks) == 1:
            signatures = self._blocks[0][slots]
        else:
            numbers = slots >> _BLOCK_BITS
            signatures = np.empty((slots.size, self._sketch_size()), dtype=np.uint16)
            for number in np.unique(numbers).tolist():
                rows = numbers == number
                signatures[rows] = self._blocks[number][slots[rows] & _BLOCK_MASK]
        return Sketches(signatures, self._counts[slots].tolist(), self._received[slots].tolist())

    def case_id(self, sequence: int) -> str | None:
        """The id of an indexed case, None once removed."""
        case_id: str | None = self._case_ids[sequence - self._first]
        return case_id

    def details(self, sequence: int, raw: bytes) -> CaseDetails:
        """``case_details`` of indexed case ``sequence``, ``raw`` being its value now.

        The most recently read are kept decoded (``DETAILS_CACHED``; the newest cases are
        the ones matched most), each with the value it was decoded from: a value changed
        since (a merge or split moves a case to another matter) is decoded anew, never
        served stale. Comparing the values costs a tenth of decoding one.
        """
        cache = self._details
        cached = cache.get(sequence)
        if cached is not None and cached[0] == raw:
            return cached[1]
        details = case_details(raw)
        if cached is None and len(cache) >= self.DETAILS_CACHED:
            del cache[next(iter(cache))]
        cache[sequence] = (raw, details)
        return details

    def received_before(self, horizon: int, limit: int) -> list[tuple[int, str]]:
        """Up to ``limit`` live cases received before ``horizon``: (sequence, case id)."""
        used = self._slots
        slots = np.flatnonzero(self._alive[:used] & (self._received[:used] < horizon))[:limit]
        return list(
            zip((slots + self._first).tolist(), self._case_ids[slots].tolist(), strict=True)
        )

    def _newest_in_bands(self, bands: list[int], cap: int) -> list[int]:
        """The newest ``cap`` live cases in any of ``bands``, newest first."""
        # The sources from the newest: the pending entries, then the runs, each holding
        # only cases older than those before it, so the newest are the first source's
        # newest, then the next one's, and the search stops at the first source that
        # makes `cap` of them. In a source, a key's newest are its last pending entries,
        # or in a run its first (a key's entries are newest first there); `left_out` is
        # the newest entry not taken: the result is complete if it is older than them all.
        # Two numpy calls per run (the binary searches of all the keys at once); the few
        # entries found are read through memoryviews: a numpy call per step would cost
        # more than the reads.
        newest: list[int] = []
        left_out = -1
        found: list[int] = []
        pending = self._pending
        for key in bands:
            entries = pending.get(key)
            if entries is None:
                continue
            if isinstance(entries, int):
                found.append(entries)
                continue
            found.extend(entries[-cap:])
            if len(entries) > cap:
                left_out = max(left_out, entries[-cap - 1])
        self._add_newest_alive(newest, found, cap)
        if bands and len(newest) < cap:
            wanted = np.array(bands, dtype=np.uint64)
            for run in reversed(self._runs):
                # Both ends of each key's entries: the second search reads what the
                # first brought into the cache.
                starts = run.keys.searchsorted(wanted).tolist()
                ends = run.keys.searchsorted(wanted, side="right").tolist()
                sequences = run.sequence_view
                found = []
                for start, end in zip(starts, ends, strict=True):
                    if end > start:
                        if end - start > cap:
                            left_out = max(left_out, sequences[start + cap])
                            end = start + cap
                        found.extend(sequences[start:end])
                self._add_newest_alive(newest, found, cap)
                if len(newest) == cap:
                    break
        if left_out >= 0 and not (len(newest) == cap and newest[-1] > left_out):
            # Removed cases among the newest taken: read the keys whole.
            newest = []
            self._add_newest_alive(
                newest, [s for key in bands for s in self._all_sequences(key)], cap
            )
        return newest

    def _add_newest_alive(self, newest: list[int], sequences: list[int], cap: int) -> None:
        # Append to `newest` the newest live ones of `sequences` (with repeats: a case in
        # several bands), newest first, until it holds `cap`.
        alive, first = self._alive_view, self._first
        previous = -1
        for sequence in sorted(sequences, reverse=True):
            if len(newest) == cap:
                return
            if sequence != previous and alive[sequence - first]:
                newest.append(sequence)
            previous = sequence

    def _all_sequences(self, key: int) -> list[int]:
        entries = self._pending.get(key, ())
        sequences = [entries] if isinstance(entries, int) else list(entries)
        wanted = np.array([key], dtype=np.uint64)
        for run in self._runs:
            start = int(run.keys.searchsorted(wanted, side="left")[0])
            end = int(run.keys.searchsorted(wanted, side="right")[0])
            sequences.extend(run.sequences[start:end].tolist())
        return sequences

    def _sketch_size(self) -> int:
        return int(self._blocks[0].shape[1]) if self._blocks else 0

    # -- changes ---------------------------------------------------------------------

    def add(self, record: CaseRecord, bands: U64) -> None:
        """Index a newly recorded case under its keys (``bands``: its band keys).

        Its ``sequence`` must be at least ``next_sequence``: cases are indexed in the
        order they are recorded; and its sketch the size of those indexed before it.
        """
        slot = self._claim(record.sequence, record.case_id, record.received_at)
        self._counts[slot] = record.shingle_count
        self._block_for(slot, record.signature.size)[slot & _BLOCK_MASK] = record.signature
        sequence = record.sequence
        named = self._named
        for key in _named_keys(record, with_fingerprint=bool(record.shingle_count)):
            entries = named.get(key)
            if entries is None:
                named[key] = sequence
                self._named_entries += 1
            elif isinstance(entries, int):
                if self._keep == 1:
                    named[key] = sequence
                else:
                    named[key] = array("I", (entries, sequence))
                    self._named_entries += 1
            elif len(entries) < self._keep:
                entries.append(sequence)
                self._named_entries += 1
            else:
                del entries[0]
                entries.append(sequence)
        band_keys: list[int] = bands.tolist()
        pending = self._pending
        for key in band_keys:
            entries = pending.get(key)
            if entries is None:
                pending[key] = sequence
            elif isinstance(entries, int):
                pending[key] = array("I", (entries, sequence))
            else:
                entries.append(sequence)
        self._pending_entries += len(band_keys)
        if self._pending_entries >= self.FLUSH_ENTRIES:
            self._flush()
        if self._merge is not None:
            self.compact(self.MERGE_STEP)

    def remove(self, record: CaseRecord) -> None:
        """Forget a case (expired): it is never a candidate again."""
        self.discard(record.sequence)
        for key in _named_keys(record, with_fingerprint=bool(record.shingle_count)):
            entries = self._named.get(key)
            if entries == record.sequence:
                del self._named[key]
                self._named_entries -= 1
            elif isinstance(entries, array) and record.sequence in entries:
                entries.remove(record.sequence)
                self._named_entries -= 1
                if len(entries) == 1:
                    self._named[key] = entries[0]

    def discard(self, sequence: int) -> None:
        """Forget a case whose record is gone: its keys' entries go as they are met."""
        slot = sequence - self._first
        if 0 <= slot < self._slots and self._case_ids[slot] is not None:
            self._case_ids[slot] = None
            self._alive[slot] = False
            self._live -= 1
            self._details.pop(sequence, None)

    def compact(self, budget: int) -> bool:
        """Do up to about ``budget`` entries of merge work; True while work remains."""
        merge = self._merge
        if merge is None:
            return False
        # A slice holds every entry of its keys (a key has at most `keep` in a run), so
        # each key's newest are chosen within one slice.
        budget = max(budget, 2 * self._keep)
        older, newer = merge.older, merge.newer
        start_older, start_newer = merge.read_older, merge.read_newer
        end_older = min(start_older + budget, older.size)
        end_newer = newer.size
        if end_older < older.size:
            boundary = older.keys[end_older : end_older + 1]
            end_older = int(older.keys.searchsorted(boundary, side="left")[0])
            end_newer = int(newer.keys.searchsorted(boundary, side="left")[0])
        if end_newer - start_newer > budget:
            # Few older keys, many newer ones in between: bound the slice by the newer.
            boundary = newer.keys[start_newer + budget : start_newer + budget + 1]
            end_newer = int(newer.keys.searchsorted(boundary, side="left")[0])
            last = newer.keys[end_newer - 1 : end_newer]
            end_older = int(older.keys.searchsorted(last, side="right")[0])
        # Everything before the slice sorts before everything after it; within the
        # slice, the newer run's entries go before the older's of an equal key.
        older_keys = older.keys[start_older:end_older]
        newer_keys = newer.keys[start_newer:end_newer]
        positions = older_keys.searchsorted(newer_keys, side="left")
        positions += np.arange(newer_keys.size)
        size = older_keys.size + newer_keys.size
        from_older = np.ones(size, dtype=bool)
        from_older[positions] = False
        keys = np.empty(size, dtype=np.uint64)
        sequences = np.empty(size, dtype=np.uint32)
        keys[positions] = newer_keys
        keys[from_older] = older_keys
        sequences[positions] = newer.sequences[start_newer:end_newer]
        sequences[from_older] = older.sequences[start_older:end_older]
        alive = self._alive[sequences.astype(np.int64) - self._first]
        keys, sequences = keys[alive], sequences[alive]
        newest = _newest_of_each_key(keys, self._keep)
        keys, sequences = keys[newest], sequences[newest]
        merge.keys[merge.written : merge.written + keys.size] = keys
        merge.sequences[merge.written : merge.written + keys.size] = sequences
        merge.written += keys.size
        merge.read_older, merge.read_newer = end_older, end_newer
        if end_older < older.size or end_newer < newer.size:
            return True
        merged = _Run(merge.keys[: merge.written], merge.sequences[: merge.written])
        at = next(i for i, run in enumerate(self._runs) if run is older)
        self._runs[at : at + 2] = [merged] if merged.size else []
        self._merge = None
        self._schedule_merge()
        return self._merge is not None

    def _claim(self, sequence: int, case_id: str, received_at: int) -> int:
        if sequence < self.next_sequence:
            raise ValueError(
                f"case {case_id} has sequence {sequence}, below the next one "
                f"({self.next_sequence}): cases are indexed in the order recorded"
            )
        if not self._slots:
            self._first = sequence
        slot = sequence - self._first
        if slot >= self._received.size:
            grown = max(slot + 1, 2 * self._received.size, 1024)
            self._case_ids = _grown(self._case_ids, grown)
            self._alive = _grown(self._alive, grown)
            self._alive_view = self._alive.data
            self._received = _grown(self._received, grown)
            self._counts = _grown(self._counts, grown)
        self._slots = slot + 1
        self._case_ids[slot] = case_id
        self._alive[slot] = True
        self._received[slot] = received_at
        self._live += 1
        return slot

    def _block_for(self, slot: int, sketch_size: int) -> npt.NDArray[np.uint16]:
        if self._blocks and self._blocks[0].shape[1] != sketch_size:
            raise ValueError(
                f"a sketch of {sketch_size} bins, the index holds {self._blocks[0].shape[1]}"
            )
        while len(self._blocks) <= slot >> _BLOCK_BITS:
            # np.empty: the operating system provides the pages as they are written.
            self._blocks.append(np.empty((self.BLOCK, sketch_size), dtype=np.uint16))
        return self._blocks[slot >> _BLOCK_BITS]

    def _restore(
        self,
        first: int,
        case_ids: npt.NDArray[np.object_],
        alive: npt.NDArray[np.bool_],
        received: npt.NDArray[np.int64],
        counts: npt.NDArray[np.int64],
        blocks: list[npt.NDArray[np.uint16]],
        named: dict[int, int | array[int]],
        run: _Run,
    ) -> None:
        # For IndexBuilder: an empty index takes over what it built.
        self._first, self._case_ids, self._slots = first, case_ids, case_ids.size
        self._alive, self._received, self._counts = alive, received, counts
        self._alive_view = alive.data
        self._blocks = blocks
        self._named = named
        self._named_entries = sum(
            1 if isinstance(entries, int) else len(entries) for entries in named.values()
        )
        self._live = int(np.count_nonzero(alive))
        self._runs = [run] if run.size else []

    def _flush(self) -> None:
        if not self._pending_entries:
            return
        pending = self._pending
        keys = np.repeat(
            np.fromiter(pending, dtype=np.uint64, count=len(pending)),
            [1 if isinstance(entries, int) else len(entries) for entries in pending.values()],
        )
        sequences = np.fromiter(
            chain.from_iterable(
                (entries,) if isinstance(entries, int) else reversed(entries)
                for entries in pending.values()
            ),
            dtype=np.uint32,
            count=self._pending_entries,
        )
        self._pending = {}
        self._pending_entries = 0
        # Stable: each key's sequences, appended in order and read backwards, descend.
        order = np.argsort(keys, kind="stable")
        keys, sequences = keys[order], sequences[order]
        newest = _newest_of_each_key(keys, self._keep)
        self._runs.append(_Run(keys[newest], sequences[newest]))
        self._schedule_merge()

    def _schedule_merge(self) -> None:
        # The newest adjacent pair whose older run is at most GROWTH times the newer: run
        # sizes then grow by that factor, so there are few runs for lookups to search.
        if self._merge is not None:
            return
        runs = self._runs
        for newer in range(len(runs) - 1, 0, -1):
            older_run, newer_run = runs[newer - 1], runs[newer]
            if older_run.size <= self.GROWTH * newer_run.size:
                total = older_run.size + newer_run.size
                self._merge = _Merge(
                    older=older_run,
                    newer=newer_run,
                    keys=np.empty(total, dtype=np.uint64),
                    sequences=np.empty(total, dtype=np.uint32),
                )
                return


def _newest_of_each_key(keys: U64, keep: int) -> npt.NDArray[np.bool_]:
    """Which entries of sorted ``keys`` are among the first ``keep`` of their key (in a
    run, a key's newest)."""
    # An entry is, when the entry `keep` places back has another key (or there is none).
    newest = np.ones(keys.size, dtype=bool)
    if keys.size > keep:
        newest[keep:] = keys[keep:] != keys[:-keep]
    return newest


_BLOCK_BITS: Final = CaseIndex.BLOCK.bit_length() - 1
_BLOCK_MASK: Final = CaseIndex.BLOCK - 1

_A = TypeVar("_A", bound=np.generic)


def _grown(array: npt.NDArray[_A], size: int) -> npt.NDArray[_A]:
    # Zeros, or None for objects.
    grown = np.zeros(size, dtype=array.dtype) if array.dtype != object else np.full(size, None)
    grown[: array.size] = array
    return grown


class IndexBuilder:
    """Builds a ``CaseIndex`` from case records read in any order: a worker's rebuild.

    ``add`` the records a batch at a time (an async caller yields between batches), then
    ``build``: the band entries sorted into one run, the other keys into their dict, each
    key keeping its newest, so the index answers exactly as the one its worker built case
    by case. About 10 s of CPU and 1 GB of transient memory for a million cases.
    """

    def __init__(self, config: DedupConfig) -> None:
        self._bands, self._rows = config.lsh_bands, config.lsh_rows
        self._sketch_size = config.sketch_size
        self._keep = cases_kept_per_key(config)
        self._named_keys: list[U64] = []
        self._named_sequences: list[npt.NDArray[np.uint32]] = []
        self._band_keys: list[U64] = []
        self._band_sequences: list[npt.NDArray[np.uint32]] = []
        self._case_ids: list[str] = []
        self._sequences: list[npt.NDArray[np.int64]] = []
        self._received: list[npt.NDArray[np.int64]] = []
        self._counts: list[npt.NDArray[np.int64]] = []
        self._signatures: list[npt.NDArray[np.uint16]] = []

    def add(self, columns: CaseColumns) -> None:
        """Take in a batch of case records (``CaseColumns.decode`` of ``cases`` values)."""
        named_keys: list[int] = []
        named_sequences: list[int] = []
        regions: list[str] = []
        with_text = columns.shingle_counts > 0
        for row, (sequence, text) in enumerate(
            zip(columns.sequences.tolist(), with_text.tolist(), strict=True)
        ):
            details = columns.details(row)
            keys = _named_keys(details, with_fingerprint=text)
            named_keys.extend(keys)
            named_sequences.extend([sequence] * len(keys))
            if text:
                regions.append(match_area(details.region_code))
        seeds = np.zeros((len(regions), self._bands), dtype=np.uint64)
        if regions:
            # One row of seeds per case, from the few regions' rows.
            distinct = sorted(set(regions))
            per_region = np.array([sk.scope_seeds(region, self._bands) for region in distinct])
            seeds = per_region[np.searchsorted(np.array(distinct), np.array(regions))]
        bands = sk.band_keys(columns.signatures[with_text], self._bands, self._rows, seeds)
        self._named_keys.append(np.array(named_keys, dtype=np.uint64))
        self._named_sequences.append(np.array(named_sequences, dtype=np.uint32))
        self._band_keys.append(bands.ravel())
        self._band_sequences.append(
            np.repeat(columns.sequences[with_text].astype(np.uint32), self._bands)
        )
        self._case_ids.extend(columns.case_ids)
        self._sequences.append(columns.sequences)
        self._received.append(columns.received_at)
        self._counts.append(columns.shingle_counts)
        self._signatures.append(columns.signatures)

    def build(self) -> CaseIndex:
        """The index of every record taken in."""
        index = CaseIndex(self._keep)
        if not self._case_ids:
            return index
        sequences = np.concatenate(self._sequences)
        first = int(sequences.min())
        slots = sequences - first
        size = int(slots.max()) + 1
        case_ids = np.full(size, None, dtype=object)
        case_ids[slots] = np.array(self._case_ids, dtype=object)
        alive = np.zeros(size, dtype=bool)
        alive[slots] = True
        received = np.zeros(size, dtype=np.int64)
        received[slots] = np.concatenate(self._received)
        counts = np.zeros(size, dtype=np.int64)
        counts[slots] = np.concatenate(self._counts)
        blocks = [
            np.empty((CaseIndex.BLOCK, self._sketch_size), dtype=np.uint16)
            for _ in range((size >> _BLOCK_BITS) + 1)
        ]
        for part_slots, signatures in zip(
            np.split(slots, np.cumsum([s.size for s in self._sequences])[:-1]),
            self._signatures,
            strict=True,
        ):
            numbers = part_slots >> _BLOCK_BITS
            for number in np.unique(numbers).tolist():
                rows = numbers == number
                blocks[number][part_slots[rows] & _BLOCK_MASK] = signatures[rows]
        keys = np.concatenate(self._band_keys)
        entry_sequences = np.concatenate(self._band_sequences)
        order = np.lexsort((-entry_sequences.astype(np.int64), keys))
        keys, entry_sequences = keys[order], entry_sequences[order]
        newest = _newest_of_each_key(keys, self._keep)
        index._restore(
            first,
            case_ids,
            alive,
            received,
            counts,
            blocks,
            self._named_dict(),
            _Run(keys[newest], entry_sequences[newest]),
        )
        return index

    def _named_dict(self) -> dict[int, int | array[int]]:
        # Each named key's newest `keep` sequences, oldest first.
        keys = np.concatenate(self._named_keys)
        sequences = np.concatenate(self._named_sequences)
        order = np.lexsort((sequences, keys))
        keys, sequences = keys[order], sequences[order]
        kept = np.ones(keys.size, dtype=bool)
        if keys.size > self._keep:
            kept[: -self._keep] = keys[: -self._keep] != keys[self._keep :]
        keys, sequences = keys[kept], sequences[kept]
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        bounds = [*starts.tolist(), keys.size]
        sequence_list: list[int] = sequences.tolist()
        return {
            key: sequence_list[start] if end - start == 1 else array("I", sequence_list[start:end])
            for key, start, end in zip(keys[starts].tolist(), bounds, bounds[1:], strict=False)
        }


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

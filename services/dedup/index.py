"""The in-memory index of the cases of one partition: what matching looks candidates up by.

Everything matching looks up by (the exact text, a petitioner, a named place, an LSH band,
the time of receipt) is in the case record, so it is not stored a second time: the index
holds it in memory, in sorted numpy runs, and a worker that starts or takes over a
partition rebuilds it from that partition's ``cases`` table (``index_builder``, used by
``faust_state``).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import chain
from typing import Final, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

from services.dedup.areas import match_area
from services.dedup.config import DedupConfig
from services.dedup.index_keys import (
    BARE_NAME,
    FINGERPRINT,
    PETITIONER,
    TITLE_PLACE,
    U64,
    case_keys,
    cases_kept_per_key,
    index_key,
    place_keys,
)
from services.dedup.index_runs import Merge, Run, newest_of_each_key
from services.dedup.names import place_brands, place_stems
from services.dedup.records import CaseDetails, CaseRecord, case_details


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
    expiry, which goes oldest first). A lookup reads a key's newest live cases, skipping
    removed ones (held until a merge drops them): were so many of a key's newest removed
    that fewer than a lookup's cap of them are left, older live ones still held in an
    older run may answer, as in an index rebuilt from the records (the capped lists of
    the named keys before the twenty-fourth session had dropped them; expiry, oldest
    first, never comes to that).

    Storage is a log-structured merge of (key, sequence) pairs, 12 bytes an entry, the
    named keys' (~6 a case) and the bands' (~16 a case, shared ones cut) in the same
    runs: new entries collect in a dict and are sorted into a numpy run when they reach
    ``FLUSH_ENTRIES`` (10-20 ms every 3,000 cases or so, the only pause); in a run a
    key's entries are newest first, so a lookup reads a key's newest with one binary
    search and one read of that many entries after it. Adjacent runs merge when the
    older is at most ``GROWTH`` times the newer, so a lookup searches three runs at
    most, and each entry is rewritten some 14 times over its life (a few microseconds a
    case). A merge is done a slice at a time: every ``add`` does ``MERGE_STEP`` entries
    of it, so merging the largest runs (twenty million entries at a million cases) never
    pauses a lookup; until it is complete the runs it reads from answer the lookups.
    Removed cases are forgotten at once and their entries dropped by the next merge that
    reads them.

    The named keys were a dict of int -> int | array until the twenty-fourth session:
    some 350-400 bytes a case (the dict's table, an int object per key of one case, the
    arrays), against 75 in the runs; a lookup's twenty-odd named keys are searched with
    its bands, by the same two numpy calls per run.
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
        # Every key's entries, the named keys' (exact text, petitioners, places) and the
        # bands' alike: new ones here, then in sorted runs. A key met once (most) holds an
        # int: an array costs more to make (and not a list: the garbage collector need
        # not look at what an array holds).
        self._pending: dict[int, int | array[int]] = {}
        self._pending_entries = 0
        self._runs: list[Run] = []
        self._merge: Merge | None = None
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
        """(key, case) entries held, removed cases' included until merged away."""
        return self._pending_entries + sum(run.size for run in self._runs)

    # -- lookups ---------------------------------------------------------------------

    def candidates(
        self,
        region_code: str,
        fingerprint: str | None,
        petitioner_refs: Sequence[str],
        places: Sequence[str],
        bands: U64,
        config: DedupConfig,
        names: Sequence[str] = (),
    ) -> list[int]:
        """Sequences of the live cases sharing a key with these, each once.

        In order: the newest case with the exact text (``fingerprint``, None for a text
        without shingles), each petitioner's newest ``max_cases_per_petitioner`` and each
        place's newest ``max_cases_per_place`` (oldest first within each; so of each
        village's and road's sound, ``looked_up_sounds``, of each estate's sound,
        ``estate_sounds``, of each of ``names``, the words of a title that may be an
        estate's bare name or a brand: ``names.probes``, and of the brands its places name
        and their names without their kind: ``names.place_brands``, ``place_stems``), then
        the newest ``max_band_candidates`` sharing any band, newest first.
        """
        named: list[int] = []
        caps: list[int] = []
        region_code = match_area(region_code)
        if fingerprint is not None:
            named.append(index_key(FINGERPRINT, region_code, fingerprint))
            caps.append(1)
        for ref in petitioner_refs:
            named.append(index_key(PETITIONER, region_code, ref))
            caps.append(config.max_cases_per_petitioner)
        place, sound, estate = place_keys(region_code, tuple(places))
        named.extend(place)
        named.extend(sound)
        caps.extend([config.max_cases_per_place] * (len(place) + len(sound)))
        # The brands its places name (``names.place_brands``) and their names without their
        # kind (``names.place_stems``), whatever its title names.
        for name in dict.fromkeys((*names, *place_brands(places), *place_stems(places))):
            named.append(index_key(BARE_NAME, region_code, name))
            caps.append(config.max_cases_per_place)
        named.extend(estate)
        caps.extend([config.max_cases_per_place] * len(estate))
        caps_asked = [*caps, config.max_band_candidates] if bands.size else caps
        if max(caps_asked, default=0) > self._keep:
            raise ValueError(f"this index keeps {self._keep} cases per key: fewer than asked")
        of_keys, in_bands = self._newest(named, caps, bands.tolist(), config.max_band_candidates)
        ordered: list[int] = []
        for newest in of_keys:
            # Oldest first within a key, as a table's capped list would give them.
            ordered.extend(reversed(newest))
        ordered.extend(in_bands)
        return list(dict.fromkeys(ordered))

    def title_places_named(self, region_code: str, words: Sequence[str]) -> list[str]:
        """Of ``words`` (a title's, ``names.probed_names``), those a live case of this
        matching area holds as its title's place (``index_keys.TITLE_PLACE``)."""
        if not words:
            return []
        region_code = match_area(region_code)
        of_keys, _ = self._newest(
            [index_key(TITLE_PLACE, region_code, word) for word in words], [1] * len(words), [], 0
        )
        return [word for word, newest in zip(words, of_keys, strict=True) if newest]

    def sketches(self, sequences: list[int]) -> Sketches:
        """Sketch, shingle count and time of receipt of indexed cases, in that order."""
        slots = np.array(sequences, dtype=np.int64) - self._first
        if len(self._blocks) == 1:
            signatures = self._blocks[0][slots]
        else:
            numbers = slots >> BLOCK_BITS
            signatures = np.empty((slots.size, self._sketch_size()), dtype=np.uint16)
            for number in np.unique(numbers).tolist():
                rows = numbers == number
                signatures[rows] = self._blocks[number][slots[rows] & BLOCK_MASK]
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

    def _newest(
        self, named: list[int], caps: list[int], bands: list[int], cap: int
    ) -> tuple[list[list[int]], list[int]]:
        """The newest ``caps`` live cases of each of the ``named`` keys (a list each,
        newest first), and the newest ``cap`` live cases in any of ``bands``, newest first.
        """
        # The sources from the newest: the pending entries, then the runs, each holding
        # only cases older than those before it, so the newest are the first source's
        # newest, then the next one's, and the search stops at the first source that
        # makes `cap` of them (for a named key, its own cap). In a source, a key's newest
        # are its last pending entries, or in a run its first (a key's entries are newest
        # first there). Two numpy calls per run (the binary searches of all the keys, named
        # and bands, at once); the few entries found are read through memoryviews: a numpy
        # call per step would cost more than the reads.
        #
        # A named key's entries are read one by one, newest first, until it has its cap
        # of live ones: a case listed twice under one key (two of its names with one key)
        # counts twice, as it did in the lists of a table.
        alive, first = self._alive_view, self._first
        pending = self._pending
        of_keys: list[list[int]] = []
        # The named keys (their positions) still short of their cap.
        wanting: list[int] = []
        for at, (key, key_cap) in enumerate(zip(named, caps, strict=True)):
            newest_of_key: list[int] = []
            of_keys.append(newest_of_key)
            entries = pending.get(key)
            if entries is None:
                wanting.append(at)
                continue
            if isinstance(entries, int):
                if alive[entries - first]:
                    newest_of_key.append(entries)
            else:
                for sequence in reversed(entries):
                    if alive[sequence - first]:
                        newest_of_key.append(sequence)
                        if len(newest_of_key) == key_cap:
                            break
            if len(newest_of_key) < key_cap:
                wanting.append(at)
        # The bands: `left_out` is the newest entry not taken: the result is complete if
        # it is older than them all.
        newest: list[int] = []
        left_out = -1
        found: list[int] = []
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
        for run in reversed(self._runs):
            band_keys = bands if len(newest) < cap else []
            if not wanting and not band_keys:
                break
            # Where each key's entries begin (one search of them all); they end where the
            # key does: a few more reads, cheaper than a second search.
            looked_up = [named[at] for at in wanting]
            starts = run.starts([*looked_up, *band_keys])
            keys, sequences, size = run.key_view, run.sequence_view, run.size
            still: list[int] = []
            for at, key, position in zip(wanting, looked_up, starts, strict=False):
                newest_of_key, key_cap = of_keys[at], caps[at]
                while position < size and keys[position] == key:
                    sequence = sequences[position]
                    if alive[sequence - first]:
                        newest_of_key.append(sequence)
                        if len(newest_of_key) == key_cap:
                            break
                    position += 1
                else:
                    still.append(at)
            if band_keys:
                found = []
                for key, start in zip(band_keys, starts[len(looked_up) :], strict=True):
                    end, limit = start, min(start + cap + 1, size)
                    while end < limit and keys[end] == key:
                        end += 1
                    if end - start > cap:
                        left_out = max(left_out, sequences[start + cap])
                        end = start + cap
                    found.extend(sequences[start:end])
                self._add_newest_alive(newest, found, cap)
            wanting = still
        if left_out >= 0 and not (len(newest) == cap and newest[-1] > left_out):
            # Removed cases among the newest taken: read the keys whole.
            newest = []
            self._add_newest_alive(
                newest, [s for key in bands for s in self._all_sequences(key)], cap
            )
        return of_keys, newest

    def _add_newest_alive(self, newest: list[int], sequences: list[int], cap: int) -> None:
        # Append to `newest` the newest live ones of `sequences` (with repeats: a case in
        # several bands), newest first, until it holds `cap`.
        # The repeats dropped before sorting: a near copy shares most bands, so a lookup's
        # sequences are each there several times (180 entries, 37 cases in the bench).
        if len(newest) >= cap:
            return
        alive, first = self._alive_view, self._first
        for sequence in sorted(set(sequences), reverse=True):
            if alive[sequence - first]:
                newest.append(sequence)
                if len(newest) == cap:
                    return

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
        self._block_for(slot, record.signature.size)[slot & BLOCK_MASK] = record.signature
        sequence = record.sequence
        keys = case_keys(record, with_fingerprint=bool(record.shingle_count))
        keys += bands.tolist()
        pending = self._pending
        for key in keys:
            entries = pending.get(key)
            if entries is None:
                pending[key] = sequence
            elif isinstance(entries, int):
                pending[key] = array("I", (entries, sequence))
            else:
                entries.append(sequence)
        self._pending_entries += len(keys)
        if self._pending_entries >= self.FLUSH_ENTRIES:
            self._flush()
        if self._merge is not None:
            self.compact(self.MERGE_STEP)

    def remove(self, record: CaseRecord) -> None:
        """Forget a case (expired): it is never a candidate again."""
        self.discard(record.sequence)

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
        newest = newest_of_each_key(keys, self._keep)
        keys, sequences = keys[newest], sequences[newest]
        merge.write(keys, sequences)
        merge.read_older, merge.read_newer = end_older, end_newer
        if end_older < older.size or end_newer < newer.size:
            return True
        merged = merge.run()
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
        while len(self._blocks) <= slot >> BLOCK_BITS:
            # np.empty: the operating system provides the pages as they are written.
            self._blocks.append(np.empty((self.BLOCK, sketch_size), dtype=np.uint16))
        return self._blocks[slot >> BLOCK_BITS]

    def restore(
        self,
        first: int,
        case_ids: npt.NDArray[np.object_],
        alive: npt.NDArray[np.bool_],
        received: npt.NDArray[np.int64],
        counts: npt.NDArray[np.int64],
        blocks: list[npt.NDArray[np.uint16]],
        run: Run,
    ) -> None:
        # For IndexBuilder: an empty index takes over what it built.
        self._first, self._case_ids, self._slots = first, case_ids, case_ids.size
        self._alive, self._received, self._counts = alive, received, counts
        self._alive_view = alive.data
        self._blocks = blocks
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
        # Removed cases' entries go first, as in a merge: counted among a key's `keep`
        # newest, they would push out older live ones that a lookup still answers with
        # (a key's newer cases removed before the flush, e.g. expired out of order).
        alive = self._alive[sequences.astype(np.int64) - self._first]
        keys, sequences = keys[alive], sequences[alive]
        if not keys.size:
            return
        newest = newest_of_each_key(keys, self._keep)
        self._runs.append(Run.of(keys[newest], sequences[newest]))
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
                self._merge = Merge.of(older_run, newer_run)
                return


BLOCK_BITS: Final = CaseIndex.BLOCK.bit_length() - 1
BLOCK_MASK: Final = CaseIndex.BLOCK - 1

_A = TypeVar("_A", bound=np.generic)


def _grown(array: npt.NDArray[_A], size: int) -> npt.NDArray[_A]:
    # Zeros, or None for objects.
    grown = np.zeros(size, dtype=array.dtype) if array.dtype != object else np.full(size, None)
    grown[: array.size] = array
    return grown

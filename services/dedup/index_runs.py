"""The sorted runs of the case index's entries.

Also a merge of two of them in progress (``CaseIndex.compact``), and the directory of a
large run (``key_directory``).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from services.dedup.index_keys import U64

#: A run of at least this many entries has a directory (``key_directory``). A binary
#: search of a run misses the cache a dozen times or more a key (a microsecond a key on
#: a busy machine, twenty keys and more a lookup in each run), the directory's two or
#: three; a flushed run has one.
DIRECTORY_ENTRIES: Final = 1 << 15
#: Entries a directory's bucket holds on average.
BUCKET_ENTRIES: Final = 8


def directory_bits(entries: int) -> int:
    """How many of a key's top bits name its bucket, in a run of ``entries``."""
    return max(1, (entries // BUCKET_ENTRIES).bit_length())


def key_directory(keys: U64, bits: int) -> npt.NDArray[np.uint32]:
    """Where each bucket of sorted ``keys`` starts (keys sharing their top ``bits``), and
    after them where the last one ends."""
    counts = np.bincount((keys >> np.uint64(64 - bits)).astype(np.intp), minlength=1 << bits)
    directory = np.zeros((1 << bits) + 1, dtype=np.uint32)
    directory[1:] = np.cumsum(counts)
    return directory


@dataclass(frozen=True, slots=True)
class Run:
    """A sorted run of the index: keys ascending, each key's sequences descending."""

    keys: U64
    sequences: npt.NDArray[np.uint32]
    #: A large run's ``key_directory`` (None for a small one), of keys' top ``bits``.
    directory: npt.NDArray[np.uint32] | None = None
    bits: int = 0
    #: ``keys`` and ``sequences`` as memoryviews, for the lookups: reading one entry
    #: from Python costs some 50 ns there, a numpy scalar twice that, and a numpy call
    #: on a few entries a microsecond or more.
    key_view: memoryview = field(init=False)
    sequence_view: memoryview = field(init=False)
    #: ``directory`` as a memoryview (None without one).
    directory_view: memoryview | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_view", self.keys.data)
        object.__setattr__(self, "sequence_view", self.sequences.data)
        directory = self.directory
        object.__setattr__(self, "directory_view", None if directory is None else directory.data)

    @classmethod
    def of(cls, keys: U64, sequences: npt.NDArray[np.uint32]) -> Run:
        """A run of these entries, with its directory if it is large."""
        if keys.size < DIRECTORY_ENTRIES:
            return cls(keys, sequences)
        bits = directory_bits(keys.size)
        return cls(keys, sequences, key_directory(keys, bits), bits)

    @property
    def size(self) -> int:
        return int(self.keys.size)

    def starts(self, keys: list[int]) -> list[int]:
        """Where each of ``keys`` is or would be: its first entry, or the first of a
        greater key (or the end)."""
        directory = self.directory_view
        if directory is None:
            found: list[int] = self.keys.searchsorted(np.array(keys, dtype=np.uint64)).tolist()
            return found
        # A binary search of twenty million entries misses the cache a dozen times a key
        # (60 us for a lookup's 36 keys); the directory names the few entries to read.
        key_view, shift = self.key_view, 64 - self.bits
        # The bucket's few entries searched by `bisect` (in C, on the memoryview: a third
        # of the cost of a Python loop over them).
        return [
            bisect_left(key_view, key, directory[key >> shift], directory[(key >> shift) + 1])
            for key in keys
        ]


@dataclass(slots=True)
class Merge:
    """Two adjacent runs being merged a slice at a time (``CaseIndex.compact``).

    A large output's directory is written with it, a slice at a time: the buckets up to
    ``bucketed`` have their start in it.
    """

    older: Run
    newer: Run
    keys: U64
    sequences: npt.NDArray[np.uint32]
    #: Entries of ``older`` and ``newer`` consumed, and of the output written.
    read_older: int = 0
    read_newer: int = 0
    written: int = 0
    directory: npt.NDArray[np.uint32] | None = None
    bits: int = 0
    bucketed: int = 0

    @classmethod
    def of(cls, older: Run, newer: Run) -> Merge:
        total = older.size + newer.size
        merge = cls(
            older=older,
            newer=newer,
            keys=np.empty(total, dtype=np.uint64),
            sequences=np.empty(total, dtype=np.uint32),
        )
        if total >= DIRECTORY_ENTRIES:
            merge.bits = directory_bits(total)
            merge.directory = np.zeros((1 << merge.bits) + 1, dtype=np.uint32)
        return merge

    def write(self, keys: U64, sequences: npt.NDArray[np.uint32]) -> None:
        """Append a slice of the output (keys after all those written)."""
        start, end = self.written, self.written + keys.size
        self.keys[start:end] = keys
        self.sequences[start:end] = sequences
        self.written = end
        directory = self.directory
        if directory is None or not keys.size:
            return
        # The buckets starting in this slice: each starts at its first key of that
        # bucket or a later one (the buckets before it end before the slice).
        buckets = keys >> np.uint64(64 - self.bits)
        last = int(buckets[-1])
        if last > self.bucketed:
            starting = np.arange(self.bucketed + 1, last + 1, dtype=np.uint64)
            directory[self.bucketed + 1 : last + 1] = start + buckets.searchsorted(starting)
            self.bucketed = last

    def run(self) -> Run:
        """The output, once every slice is written."""
        directory = self.directory
        if directory is not None:
            directory[self.bucketed + 1 :] = self.written
        return Run(self.keys[: self.written], self.sequences[: self.written], directory, self.bits)


def newest_of_each_key(keys: U64, keep: int) -> npt.NDArray[np.bool_]:
    """Which entries of sorted ``keys`` are among the first ``keep`` of their key (in a
    run, a key's newest)."""
    # An entry is, when the entry `keep` places back has another key (or there is none).
    newest = np.ones(keys.size, dtype=bool)
    if keys.size > keep:
        newest[keep:] = keys[keep:] != keys[:-keep]
    return newest

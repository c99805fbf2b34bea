"""The sorted runs of the case index's band entries.

Also a merge of two of them in progress (``CaseIndex.compact``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from services.dedup.index_keys import U64


@dataclass(frozen=True, slots=True)
class Run:
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
class Merge:
    """Two adjacent runs being merged a slice at a time (``CaseIndex.compact``)."""

    older: Run
    newer: Run
    keys: U64
    sequences: npt.NDArray[np.uint32]
    #: Entries of ``older`` and ``newer`` consumed, and of the output written.
    read_older: int = 0
    read_newer: int = 0
    written: int = 0


def newest_of_each_key(keys: U64, keep: int) -> npt.NDArray[np.bool_]:
    """Which entries of sorted ``keys`` are among the first ``keep`` of their key (in a
    run, a key's newest)."""
    # An entry is, when the entry `keep` places back has another key (or there is none).
    newest = np.ones(keys.size, dtype=bool)
    if keys.size > keep:
        newest[keep:] = keys[keep:] != keys[:-keep]
    return newest

"""Shingles, an exact fingerprint and a MinHash sketch of a petition's text.

The sketch is one-permutation MinHash with rotation densification (Shrivastava & Li,
2014): each shingle is hashed once (64 bits, numpy-vectorised) and the top bits choose
one of ``sketch_size`` bins, whose minimum is that bin's MinHash. This costs one hash per
shingle instead of one per shingle and permutation, which is what makes >= 2,000 lookups a
second on one core possible. Each bin keeps 16 bits: two different minima then agree with
probability 1/65,536, a bias far below the sampling error of the estimate.

Sentences are shingled separately (see ``text.sentences``), so reordering sentences does
not change the shingle set, and the fingerprint hashes the *sorted* sentences.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt
import xxhash

U64 = npt.NDArray[np.uint64]
U16 = npt.NDArray[np.uint16]

_PRIME: Final = np.uint64(0x100000001B3)
_MIX_1: Final = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2: Final = np.uint64(0x94D049BB133111EB)
_SHIFT_1, _SHIFT_2, _SHIFT_3 = np.uint64(30), np.uint64(27), np.uint64(31)
# Which 16-bit lane of a 64-bit word holds its top 16 bits.
_TOP_LANE: Final = 3 if sys.byteorder == "little" else 0
_GOLDEN: Final = np.uint64(0x9E3779B97F4A7C15)
_SEPARATOR: Final = "\x00"
_SCOPE_SEED: Final = 0x5C0BE
_ROWS_PER_WORD: Final = 4


class TextSketch(NamedTuple):
    """What matching keeps of a text: fingerprint, shingle count and MinHash sketch."""

    #: xxh64 of the sorted normalised sentences: equal for reordered, reformatted copies.
    fingerprint: str
    #: Number of distinct shingles; with two sketches it turns Jaccard into containment.
    shingle_count: int
    #: One 16-bit MinHash per bin, ``sketch_size`` of them.
    signature: U16


def _mix(values: U64) -> U64:
    # splitmix64's finaliser: spreads the polynomial hash over all 64 bits, so the top
    # bits (the bin) and the low bits (the value) are independent enough.
    # In place: every caller passes an array of its own that it no longer needs.
    values ^= values >> _SHIFT_1
    values *= _MIX_1
    values ^= values >> _SHIFT_2
    values *= _MIX_2
    values ^= values >> _SHIFT_3
    return values


def shingle_hashes(sentences: list[str], size: int) -> U64:
    """Distinct 64-bit hashes of the ``size``-character shingles of each sentence.

    A sentence shorter than ``size`` is one shingle by itself, so a short petition is
    never empty.
    """
    if not sentences:
        return np.empty(0, dtype=np.uint64)
    joined = _SEPARATOR.join(sentences) + _SEPARATOR
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    # Rolling polynomial hash of every window of `size` characters (wrapping uint64); a
    # window is valid when no separator is inside it.
    count = points.size - min(size, points.size) + 1
    hashes = points[:count].astype(np.uint64)
    letter = points != 0
    clean = letter[:count]
    for offset in range(1, min(size, points.size)):
        hashes *= _PRIME
        hashes += points[offset : offset + count]
        clean = clean & letter[offset : offset + count]
    valid = hashes[clean]
    short = [s for s in sentences if len(s) < size]
    if short:
        extra = np.array([xxhash.xxh3_64_intdigest(s.encode()) for s in short], dtype=np.uint64)
        valid = np.concatenate((valid, extra))
    return _distinct(_mix(valid))


def _distinct(values: U64) -> U64:
    # Sorts `values` in place. np.unique does the same at twice the cost on arrays of a
    # petition's size.
    values.sort()
    first = np.empty(values.size, dtype=bool)
    first[:1] = True
    np.not_equal(values[1:], values[:-1], out=first[1:])
    return values[first]


def fingerprint(sentences: list[str]) -> str:
    """Exact fingerprint of normalised text, independent of sentence order."""
    return xxhash.xxh3_64_hexdigest("\n".join(sorted(sentences)).encode())


def minhash(hashes: U64, sketch_size: int) -> U16:
    """One-permutation MinHash of sorted distinct shingle hashes, densified, 16 bits per bin.

    ``sketch_size`` must be a power of two. An empty set gives all-zero bins; callers
    treat a text without shingles as matching nothing.
    """
    if hashes.size == 0:
        return np.zeros(sketch_size, dtype=np.uint16)
    bins = _bins(sketch_size)
    # `hashes` is sorted and the bin is its top bits, so the first hash at or after a
    # bin's start is that bin's minimum when the bin is filled, and otherwise the minimum
    # of the next filled bin (wrapping round to the first): rotation densification, where
    # an empty bin borrows the next filled bin's minimum, offset by the distance so that
    # two texts agree on it only if they agree there. One search does both.
    # In place where numpy allows: each call costs a microsecond, a new array more. The
    # search's index past the last hash wraps round to the first in the same call
    # (``take``'s "wrap" is an index modulo the size).
    donor = hashes.take(hashes.searchsorted(bins.starts), mode="wrap")
    distance = donor >> bins.shift
    distance -= bins.numbers
    distance &= bins.last
    distance *= _GOLDEN
    donor &= bins.value_mask
    donor += distance
    # The top 16 bits of each mixed minimum: one of the four 16-bit lanes of its word.
    signature: U16 = _mix(donor).view(np.uint16)[_TOP_LANE::4].copy()
    return signature


@dataclass(frozen=True, slots=True)
class _Bins:
    """Constants of a sketch size (numpy scalars, made once: each costs a microsecond)."""

    #: The smallest hash of each bin.
    starts: U64
    #: Each bin's number.
    numbers: U64
    #: Shifting a hash right by this gives its bin.
    shift: np.uint64
    #: The bits of a hash below its bin.
    value_mask: np.uint64
    #: The largest bin number (also the mask of bin numbers).
    last: np.uint64


@cache
def _bins(sketch_size: int) -> _Bins:
    shift = 64 - (sketch_size.bit_length() - 1)
    numbers = np.arange(sketch_size, dtype=np.uint64)
    return _Bins(
        starts=numbers << np.uint64(shift),
        numbers=numbers,
        shift=np.uint64(shift),
        value_mask=np.uint64((1 << shift) - 1),
        last=np.uint64(sketch_size - 1),
    )


def sketch_text(sentences: list[str], shingle_size: int, sketch_size: int) -> TextSketch:
    """Fingerprint, shingle count and MinHash sketch of normalised sentences."""
    hashes = shingle_hashes(sentences, shingle_size)
    return TextSketch(fingerprint(sentences), int(hashes.size), minhash(hashes, sketch_size))


@lru_cache(maxsize=4096)
def scope_seeds(scope: str, bands: int) -> U64:
    """One 64-bit seed per band of a scope (a region code): band keys are scoped by it."""
    scope_hash = np.uint64(xxhash.xxh3_64_intdigest(scope.encode(), seed=_SCOPE_SEED))
    seeds = _mix(np.arange(1, bands + 1, dtype=np.uint64) * _GOLDEN ^ scope_hash)
    seeds.flags.writeable = False
    return seeds


def band_keys(signatures: U16, bands: int, rows: int, seeds: U64) -> U64:
    """LSH band keys of many sketches at once: ``bands`` keys per sketch (one row each).

    Band ``b`` of a sketch is its MinHashes ``b * rows`` to ``(b + 1) * rows - 1``; its
    key hashes them with the sketch's ``scope_seeds`` (one row of ``seeds`` per sketch),
    so texts of different regions never share a key. Two texts with Jaccard similarity J
    share at least one band with probability 1 - (1 - J**rows)**bands. Vectorised over
    the sketches: rebuilding the index of a million cases hashes 16 million bands.
    """
    count = signatures.shape[0]
    head = signatures[:, : bands * rows].reshape(count, bands, rows)
    if rows <= _ROWS_PER_WORD:
        # The band's MinHashes side by side in one 64-bit word, little-endian.
        packed = np.zeros((count, bands, _ROWS_PER_WORD), dtype="<u2")
        packed[:, :, :rows] = head
        words = packed.view("<u8")[:, :, 0].astype(np.uint64)
    else:
        words = np.zeros((count, bands), dtype=np.uint64)
        for row in range(rows):
            words = (words ^ head[:, :, row]) * _PRIME
    words ^= seeds
    return _mix(words)


def case_band_keys(signature: U16, bands: int, rows: int, scope: str) -> U64:
    """``band_keys`` of one sketch in ``scope``."""
    keys: U64 = band_keys(signature[None, :], bands, rows, scope_seeds(scope, bands)[None, :])[0]
    return keys


def scores(
    signature: U16, count: int, others: U16, other_counts: list[int], min_shingles: int
) -> list[float]:
    """Text scores of one sketch (of ``count`` shingles) against a stack of sketches.

    The estimated Jaccard similarity J, or the containment when higher and both texts
    have at least ``min_shingles`` shingles: how much of the smaller shingle set lies in
    the larger one, |A ∩ B| = J (|A| + |B|) / (1 + J) divided by min(|A|, |B|). A
    trimmed or extended re-submission keeps a containment near 1 while its Jaccard falls
    with the change; a one-line text is "contained" in many letters, hence the minimum.
    """
    size = signature.size
    # One numpy call for the agreeing bins (np.count_nonzero with an axis is three); the
    # rest in Python, without calls to min and max: numpy calls on the twenty or so
    # values of a lookup cost more.
    agreeing: list[int] = np.add.reduce(others == signature, axis=1).tolist()
    if count < min_shingles:
        return [agree / size for agree in agreeing]
    result = []
    for agree, other in zip(agreeing, other_counts, strict=True):
        score = agree / size
        if other >= min_shingles:
            smaller = other if other < count else count
            contained = score * (other + count) / (1.0 + score) / (smaller or 1)
            if contained > 1.0:
                contained = 1.0
            if contained > score:
                score = contained
        result.append(score)
    return result

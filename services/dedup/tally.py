"""A matter's petitioners in bounded space: who wrote how often, and how many people.

A matter's record is one value of the ``matters`` table, and so one changelog record: it
must stay under the topic's 1,000,000-byte limit however many people write (a mass
campaign: tens of thousands of residents, one employer's whole workforce), or dedup could
not store its state and would stop. So a matter names at most ``NAMED_BYTES`` worth of
petitioners with their exact counts, and remembers the others only in a Bloom filter of
fixed size (``FILTER_BITS``) and a count.

Which petitioners stay named: when the names pass their budget, the one with the fewest
petitions goes, the least recently seen among equals. Repeat counts (a leadership package
is decided on them) are exact for every named petitioner; a petitioner who had been let go
and writes again is found in the filter and counted as having one earlier petition, exact
as long as only one-time petitioners have been let go, which the order of letting go makes
the rule: some 1,600 petitioners of one matter must each have written twice before a
two-time petitioner is let go.

What is exact and what is not, once petitioners have been let go (never before):

* ``people`` (distinct petitioners) is exact but for Bloom false positives: a newcomer
  the filter wrongly holds for a returning petitioner is not counted, so ``people`` is a
  lower bound. With ``FILTER_BITS`` = 2**20 and ``FILTER_HASHES`` = 7 the false-positive
  rate is below 0.02 % at 50,000 petitioners let go, 0.7 % at 100,000 and 12 % at
  200,000; the tests measure it.
* the collective flag (``people`` >= 5) is exact: petitioners are only let go past
  ``NAMED_BYTES``, which names far more than any collective threshold.
* merging two matters adds their counts of people let go: a person let go by one that
  the other also counts is counted twice (an upper bound, the one case where it is).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from services.common.refs import stored_ref

#: What the named petitioners may take in a matter's JSON value, in bytes (each costs its
#: ref, quotes, colon, count and comma: ~41 bytes for intake's 35-character refs, so
#: ~1,600 names; ~870 of 64 characters).
NAMED_BYTES: Final = 64 * 1024
#: The Bloom filter of petitioners let go: 2**20 bits, 128 KiB, 174,764 base64 characters.
FILTER_BITS: Final = 1 << 20
FILTER_HASHES: Final = 7
#: The most the filter takes in a matter's JSON value: base64 of its bytes and quotes.
FILTER_JSON_BYTES: Final = 4 * ((FILTER_BITS // 8 + 2) // 3) + 2


def _entry_bytes(ref: str, count: int) -> int:
    # `"ref":count,` as a JSON encoder writes it (refs are plain: no escapes).
    return len(ref) + len(str(count)) + 4


def _bit_positions(ref: str) -> list[int]:
    # Double hashing (Kirsch-Mitzenmacher): k positions from two 64-bit halves of one
    # digest, the same in every process (Python's hash() is salted per process).
    digest = hashlib.blake2b(ref.encode(), digest_size=16).digest()
    first = int.from_bytes(digest[:8], "little")
    second = int.from_bytes(digest[8:], "little") | 1
    return [(first + i * second) % FILTER_BITS for i in range(FILTER_HASHES)]


@dataclass(frozen=True, slots=True)
class PetitionerTally:
    """A matter's petitioners: the named ones with their petitions, and the count of all.

    Immutable: every change returns a new tally. ``named`` is ordered least recently seen
    first; ``let_go`` is the Bloom filter's bytes, empty until a petitioner is let go.
    """

    named: dict[str, int] = field(default_factory=dict)
    #: Distinct petitioners over the matter's life (see the module's notes on exactness).
    people: int = 0
    let_go: bytes = b""

    @staticmethod
    def of(refs: Iterable[str]) -> PetitionerTally:
        """The tally of a matter's first petition, by ``refs``."""
        return PetitionerTally().with_petition(refs)

    def earlier(self, ref: str) -> int:
        """Earlier petitions of ``ref`` on the matter (1 for one let go: see the notes)."""
        ref = stored_ref(ref)
        count = self.named.get(ref)
        if count is not None:
            return count
        return 1 if self._was_let_go(ref) else 0

    def people_with(self, refs: Iterable[str]) -> int:
        """Distinct petitioners once a petition by ``refs`` is counted."""
        return self.people + sum(1 for ref in set(refs) if self.earlier(ref) == 0)

    def with_petition(self, refs: Iterable[str]) -> PetitionerTally:
        """The tally with one more petition by each of ``refs`` (each person once)."""
        named = dict(self.named)
        people = self.people
        for ref in dict.fromkeys(stored_ref(r) for r in refs):
            earlier = named.pop(ref, None)
            if earlier is None:
                earlier = 1 if self._was_let_go(ref) else 0
                people += earlier == 0
            named[ref] = earlier + 1  # last: the most recently seen
        return PetitionerTally(named, people, self.let_go)._within_budget()

    def without_petition(self, refs: Iterable[str]) -> PetitionerTally:
        """The tally less one petition by each of ``refs`` (a case split off).

        A petitioner left with none is no longer counted; one let go cannot be taken out
        of the filter and stays counted.
        """
        named = dict(self.named)
        people = self.people
        for ref in dict.fromkeys(stored_ref(r) for r in refs):
            left = named.get(ref, 0) - 1
            if left > 0:
                named[ref] = left
            elif ref in named:
                del named[ref]
                people -= 1
        return PetitionerTally(named, max(people, len(named)), self.let_go)

    def merged(self, other: PetitionerTally) -> PetitionerTally:
        """One matter's tally of two matters' petitioners."""
        named = dict(self.named)
        for ref, count in other.named.items():
            named[ref] = named.get(ref, 0) + count
        unnamed = (self.people - len(self.named)) + (other.people - len(other.named))
        return PetitionerTally(
            named, len(named) + unnamed, _union(self.let_go, other.let_go)
        )._within_budget()

    def _was_let_go(self, ref: str) -> bool:
        if not self.let_go:
            return False
        bits = self.let_go
        return all(bits[p >> 3] & (1 << (p & 7)) for p in _bit_positions(ref))

    def _within_budget(self) -> PetitionerTally:
        # The names' size in the JSON value, `{` and every `"ref":count,` (map() and len()
        # without a Python loop: this runs on every petition of the matter). First a bound
        # that spares writing every count: each count as long as the largest.
        named_counts = self.named.values()
        if not named_counts:
            return self
        refs_size = 1 + sum(map(len, self.named)) + 4 * len(self.named)
        if refs_size + len(self.named) * len(str(max(named_counts))) <= NAMED_BYTES:
            return self
        size = refs_size + sum(map(len, map(str, named_counts)))
        if size <= NAMED_BYTES:
            return self
        named = dict(self.named)
        bits = bytearray(self.let_go or bytes(FILTER_BITS // 8))
        # Fewest petitions first, the least recently seen among equals (sorted() is
        # stable, and `named` is in the order last seen).
        for ref in sorted(named, key=named.__getitem__):
            size -= _entry_bytes(ref, named.pop(ref))
            for p in _bit_positions(ref):
                bits[p >> 3] |= 1 << (p & 7)
            if size <= NAMED_BYTES:
                break
        return PetitionerTally(named, self.people, bytes(bits))

    def to_json(self) -> dict[str, Any]:
        """The tally's fields of a matter's JSON value (``let_go`` only once there is one)."""
        # The names as they are, not a copy: neither a tally nor a value is ever changed.
        value: dict[str, Any] = {"petitioners": self.named, "people": self.people}
        if self.let_go:
            value["let_go"] = base64.b64encode(self.let_go).decode()
        return value

    @staticmethod
    def from_json(value: dict[str, Any]) -> PetitionerTally:
        """Read the tally's fields of a matter's JSON value, also one written before
        ``people`` was kept (every petitioner was named then, however many)."""
        named = {_as_stored(ref): count for ref, count in value["petitioners"].items()}
        let_go = value.get("let_go")
        raw = base64.b64decode(let_go) if let_go else b""
        return PetitionerTally(named, value.get("people", len(named)), raw)._within_budget()


#: A ref as ``stored_ref`` names one that is not plain: its hash.
_HASHED_REF: Final = re.compile(r"#[0-9a-f]{32}")


def _as_stored(ref: str) -> str:
    # A ref of a matter's value as the tally names it: as stored, a hash staying itself
    # (hashed again, the petitioner it names would no longer be found); or, in a value
    # written before refs were bounded, the ref itself, hashed if it is not plain.
    return ref if _HASHED_REF.fullmatch(ref) else stored_ref(ref)


def _union(left: bytes, right: bytes) -> bytes:
    if not left or not right:
        return left or right
    joined = int.from_bytes(left, "little") | int.from_bytes(right, "little")
    return joined.to_bytes(FILTER_BITS // 8, "little")

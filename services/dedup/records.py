"""How dedup stores a case and a matter: the records of its two tables, and their encoding.

A case record is a small binary header (received_at, sequence, shingle count, verdict,
reason, score, repeat count) followed by the case's fields and its MinHash signature: it
is read once per candidate a petition is compared with, the hot path of matching, so it is
decoded lazily and, for many records at once, with numpy (``CaseColumns``). A matter
record is JSON. Both are what the ``cases`` and ``matters`` tables (``state``) hold.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Final, NamedTuple, Self

import numpy as np
import numpy.typing as npt

from schemas.cases import Verdict
from services.dedup import tally
from services.dedup.tally import PetitionerTally

JsonValue = Any


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
_FIELD_SEP_BYTES: Final = _FIELD_SEP.encode()
_ITEM_SEP: Final = "\x1e"
#: The text part's fields before the kept part: matter, region, field, fingerprint,
#: petitioners, places, topic.
_TEXT_FIELDS: Final = 7


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
        # Split at most up to the kept part (``CaseRecord.kept``), left undecoded: only a
        # redelivery reads it, through ``CaseRecord.decode``.
        matter, region, field_, fp, refs, places, *rest = raw.decode().split(
            _FIELD_SEP, _TEXT_FIELDS
        )
        # Positional: read for every candidate scored, and keywords cost twice as much.
        return cls(
            matter,
            region,
            field_,
            fp,
            tuple(refs.split(_ITEM_SEP)) if refs else (),
            tuple(places.split(_ITEM_SEP)) if places else (),
            rest[0] if rest else "",
        )


def _kept_part(text: bytes) -> str:
    # The kept part of a record's text part (``CaseRecord.kept``): after its seventh field.
    parts = text.split(_FIELD_SEP_BYTES, _TEXT_FIELDS)
    return parts[_TEXT_FIELDS].decode() if len(parts) > _TEXT_FIELDS else ""


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
    #: What the service keeps for a redelivery of the case (``conflicts.KeptCase``: its
    #: registered content's digest and its first decision's matter), after the topic;
    #: "" in a record written without it (before it was kept here, or by ``dedup-batch``).
    #: Carried as it is by every rewrite of the record (a merge or a split moving the
    #: case), so that a redelivery finds what its first decision said. Matching never
    #: reads it (``CaseDetails`` leaves it out).
    kept: str = ""

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
        if self.kept:
            text += _FIELD_SEP + self.kept
        return header + signature + text.encode()

    @classmethod
    def decode(cls, case_id: str, raw: bytes) -> Self:
        """Read a value of the ``cases`` map."""
        received_at, sequence, count, verdict, reason, score, repeats, sig_len = (
            _HEADER.unpack_from(raw)
        )
        start = _HEADER.size
        signature = np.frombuffer(raw, dtype="<u2", count=sig_len // 2, offset=start)
        text = raw[start + sig_len :]
        details = CaseDetails.decode(text)
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
            kept=_kept_part(text),
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


#: What the named live cases may take in a matter's JSON value, in bytes (each costs its
#: id, quotes and a comma: ~20 bytes for intake's case ids, so ~1,600 ids).
NAMED_CASES_BYTES: Final = 32 * 1024
#: The most a matter's JSON value takes besides its named cases and its tally: ids of at
#: most 64 characters (``schemas.keys.CaseKey``: the case id is the key of its topics;
#: a matter id is a case id with a prefix and a split suffix), the numbers and the keys.
MATTER_FIXED_BYTES: Final = 1024
#: The most a matter's JSON value can take (``tally`` and the budgets above): some 270 KB,
#: under a third of the 1,000,000 bytes a changelog record may have.
MATTER_MAX_BYTES: Final = (
    MATTER_FIXED_BYTES + NAMED_CASES_BYTES + tally.NAMED_BYTES + tally.FILTER_JSON_BYTES
)


def _json_bytes(case_id: str) -> int:
    # Its size in a JSON list, quotes and comma, as either encoder writes it (an escaped
    # or non-ASCII id is measured as the larger, ASCII-only encoding writes it).
    if _is_plain(case_id):
        return len(case_id) + 3
    return len(json.dumps(case_id)) + 1


def _is_plain(text: str) -> bool:
    # What JSON writes as it is: printable ASCII without quotes or backslashes.
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


def newest_case_ids(case_ids: tuple[str, ...]) -> tuple[str, ...]:
    """The newest of ``case_ids`` (oldest first) that fit ``NAMED_CASES_BYTES``."""
    # Every petition of a matter passes here: while the ids are plain (intake's always
    # are) they are sized in one go, and the oldest dropped until the rest fit.
    if _is_plain("".join(case_ids)):
        excess = sum(map(len, case_ids)) + 3 * len(case_ids) - NAMED_CASES_BYTES
        dropped = 0
        while excess > 0:
            excess -= len(case_ids[dropped]) + 3
            dropped += 1
        return case_ids[dropped:]
    size = 0
    for kept, case_id in enumerate(reversed(case_ids)):
        size += _json_bytes(case_id)
        if size > NAMED_CASES_BYTES:
            return case_ids[len(case_ids) - kept :]
    return case_ids


@dataclass(frozen=True, slots=True)
class MatterRecord:
    """A matter: its cases, petitioners and handling status.

    Bounded (``MATTER_MAX_BYTES``) however many cases and people it has: it names its
    newest live cases and counts all of them, and its petitioners are a ``PetitionerTally``.
    """

    matter_id: str
    region_code: str
    first_case_id: str
    first_received_at: int
    open_case_id: str | None
    status: MatterStatus
    #: Until when the open case is within its time limit (epoch seconds).
    handling_due: int
    #: The newest live (not yet expired) case ids, oldest first, as many as fit
    #: ``NAMED_CASES_BYTES``: the ones a redelivery, a split or a merge looks for.
    case_ids: tuple[str, ...]
    #: Petitioners over the matter's life, expired cases' included.
    petitioners: PetitionerTally = field(default_factory=PetitionerTally)
    #: Petitions over the matter's life, expired ones included.
    petitions: int = 0
    #: Live cases: every case record whose ``matter_id`` is this matter, named or not.
    live_cases: int = 0

    @property
    def names_every_case(self) -> bool:
        """Whether ``case_ids`` holds every live case (what moving them all needs)."""
        return len(self.case_ids) == self.live_cases

    def to_json(self) -> dict[str, JsonValue]:
        """The JSON value of the ``matters`` map."""
        return {
            "region": self.region_code,
            "first": self.first_case_id,
            "first_at": self.first_received_at,
            "open": self.open_case_id,
            "status": self.status.value,
            "due": self.handling_due,
            "cases": list(newest_case_ids(self.case_ids)),
            "live": self.live_cases,
            **self.petitioners.to_json(),
            "petitions": self.petitions,
        }

    def stored(self) -> tuple[dict[str, JsonValue], MatterRecord]:
        """The JSON value of the ``matters`` map (``to_json``), and the record ``from_json``
        reads back from it: this one, its case ids cut to those the value names.

        Its tally reads back as it is: a tally's petitioners are named as stored
        (``stored_ref``) and within its budget, as every ``PetitionerTally`` method
        leaves them.
        """
        value = self.to_json()
        cases = value["cases"]
        if len(cases) == len(self.case_ids):
            return value, self
        return value, replace(self, case_ids=tuple(cases))

    @classmethod
    def from_json(cls, matter_id: str, value: dict[str, JsonValue]) -> Self:
        """Read a value of the ``matters`` map, also one written before its bounds (every
        live case named, every petitioner named)."""
        case_ids = tuple(value["cases"])
        return cls(
            matter_id=matter_id,
            region_code=value["region"],
            first_case_id=value["first"],
            first_received_at=value["first_at"],
            open_case_id=value["open"],
            status=MatterStatus(value["status"]),
            handling_due=value["due"],
            case_ids=newest_case_ids(case_ids),
            petitioners=PetitionerTally.from_json(value),
            petitions=value["petitions"],
            live_cases=value.get("live", len(case_ids)),
        )

"""The dedup decision: is a registered case a new matter, a repeat, a joint petition, related?

Message in, decision out: ``decide`` reads the state and returns a ``DedupDecision``;
``record`` writes the case and the decision into the state; ``Matcher.match`` does both.
Time is the case's own ``received_at`` (event time), never the wall clock.

How a case is matched:

1. Features: the title and content are normalised (``text``), shingled per sentence and
   sketched (``sketch``); places and organisations are extracted from the text, the
   accused and the address of the matter.
2. Candidates, from four indexes, all scoped by region: the exact fingerprint, the
   petitioner's recent cases (repeats, however reworded), the places' recent cases (joint
   petitions from one estate, road or employer), and the LSH bands (near-duplicates with
   no place or person in common). Candidates older than the horizon are ignored.
3. Each candidate gets a text score: estimated Jaccard similarity, or containment when
   both texts are long enough (trimmed and extended re-submissions).
4. A candidate links when its score reaches the threshold for its kind (same petitioner,
   same place, otherwise) and the places named do not contradict each other: the same
   template about another place is never linked, whatever its score.
5. The best link decides the matter; the verdict is ``repeat`` when a petitioner of this
   case already petitioned on that matter, else ``joint``. Without a link, the best
   scores above ``related_threshold`` become suggestions (``related``), else ``new``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final, NamedTuple

from schemas.cases import (
    CaseDeduplicated,
    CaseRegistered,
    DedupReason,
    MatterState,
    RelatedCase,
    Verdict,
)
from schemas.petitions import Language
from services.dedup import sketch as sk
from services.dedup import text
from services.dedup.config import DedupConfig
from services.dedup.state import (
    CaseColumns,
    CaseRecord,
    MatchReason,
    MatchState,
    MatterRecord,
    MatterStatus,
    appended,
    scoped_key,
)

UNCLASSIFIED: Final = "unclassified"
_DAY: Final = 86_400


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the matcher needs of a registered case."""

    case_id: str
    received_at: datetime
    region_code: str
    #: The petitioner first, then co-petitioners and representatives (keyed HMACs).
    petitioner_refs: tuple[str, ...]
    title: str
    content: str
    field: str = UNCLASSIFIED
    accused: str | None = None
    address_of_matter: str | None = None
    language: Language = Language.ZH

    @classmethod
    def from_registered(cls, case: CaseRegistered) -> CaseFacts:
        """The facts of a case on ``cases.registered``."""
        refs = dict.fromkeys((case.petitioner_ref, *case.co_petitioner_refs))
        return cls(
            case_id=case.case_id,
            received_at=case.received_at,
            region_code=case.region_code,
            petitioner_refs=tuple(refs),
            title=case.title,
            content=case.content,
            field=case.field,
            accused=case.accused,
            language=case.language,
        )

    @property
    def received_epoch(self) -> int:
        """``received_at`` in epoch seconds, as the state stores times."""
        return int(self.received_at.timestamp())


@dataclass(frozen=True, slots=True)
class CaseFeatures:
    """What matching computes from a case's text, once."""

    sketch: sk.TextSketch
    places: frozenset[str]
    bands: list[int]


@dataclass(frozen=True, slots=True)
class RelatedMatter:
    """A matter similar to the case but not linked to it: a suggestion for a caseworker."""

    matter_id: str
    case_id: str
    score: float
    reason: MatchReason


@dataclass(frozen=True, slots=True)
class DedupDecision:
    """The verdict on one case, with its evidence."""

    case_id: str
    verdict: Verdict
    reason: MatchReason
    matter_id: str
    #: Similarity to ``matched_case_id`` (1.0 for an exact copy; the best related score
    #: for ``related``; the best score seen, below every threshold, for ``new``).
    score: float
    #: The earlier case whose similarity decided the verdict (None for ``new``, replays).
    matched_case_id: str | None
    first_case_id: str
    #: The open case this petition joins; None when the matter is terminated (Art. 36).
    open_case_id: str | None
    #: Earlier petitions of this case's petitioners on the matter.
    repeat_count: int
    matter_status: MatterStatus
    #: False while the matter is being handled (Art. 19) or after termination (Art. 36).
    accept_anew: bool
    #: Petitions on the matter, this one included.
    matter_petitions: int
    #: Distinct petitioners on the matter, co-petitioners included, this case's included.
    matter_petitioners: int
    #: A collective petition: ``collective_min_petitioners`` or more distinct petitioners.
    collective: bool
    related: tuple[RelatedMatter, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The decision as a JSON object (``dedup-batch`` output, logs)."""
        return {
            "case_id": self.case_id,
            "verdict": self.verdict.value,
            "reason": self.reason.value,
            "matter_id": self.matter_id,
            "score": round(self.score, 4),
            "matched_case_id": self.matched_case_id,
            "first_case_id": self.first_case_id,
            "open_case_id": self.open_case_id,
            "repeat_count": self.repeat_count,
            "matter_status": self.matter_status.value,
            "accept_anew": self.accept_anew,
            "matter_petitions": self.matter_petitions,
            "matter_petitioners": self.matter_petitioners,
            "collective": self.collective,
            "related": [
                {
                    "matter_id": r.matter_id,
                    "case_id": r.case_id,
                    "score": round(r.score, 4),
                    "reason": r.reason.value,
                }
                for r in self.related
            ],
        }

    def to_case_deduplicated(self, case: CaseRegistered, decided_at: datetime) -> CaseDeduplicated:
        """The ``cases.deduplicated`` event of this decision on ``case``.

        The contract's closed reason set has no ``different_place``: it travels as
        ``similar_below_threshold``. An elapsed time limit is still an open matter there.
        """
        reason = (
            DedupReason.SIMILAR_BELOW_THRESHOLD
            if self.reason is MatchReason.DIFFERENT_PLACE
            else DedupReason(self.reason.value)
        )
        linked = self.verdict in (Verdict.REPEAT, Verdict.JOINT)
        return CaseDeduplicated(
            case_id=case.case_id,
            case=case,
            verdict=self.verdict,
            reason=reason,
            matter_id=self.matter_id,
            first_case_id=self.first_case_id,
            open_case_id=self.open_case_id,
            repeat_count=self.repeat_count,
            matter_petitions=self.matter_petitions,
            matter_petitioners=self.matter_petitioners,
            collective=self.collective,
            matter_state=_MATTER_STATES[self.matter_status] if linked else MatterState.NEW,
            related=[
                RelatedCase(case_id=r.case_id, matter_id=r.matter_id, score=r.score)
                for r in self.related
            ],
            score=min(max(self.score, 0.0), 1.0),
            decided_at=decided_at,
        )


_MATTER_STATES: Final = {
    MatterStatus.HANDLING: MatterState.OPEN,
    MatterStatus.LIMIT_ELAPSED: MatterState.OPEN,
    MatterStatus.CLOSED: MatterState.CLOSED,
    MatterStatus.TERMINATED: MatterState.TERMINATED,
}


def matter_id_for(case_id: str) -> str:
    """The id of the matter a case opens: deterministic, so a replay gives the same id."""
    return f"MT-{case_id}"


def extract_features(case: CaseFacts, config: DedupConfig) -> CaseFeatures:
    """Normalise, shingle and sketch a case's text; find the places it names."""
    # Folding is character by character: fold each part once, for sentences and places.
    title, content, address, accused = (
        text.fold_script_and_width(part) if part else ""
        for part in (case.title, case.content, case.address_of_matter, case.accused)
    )
    sentences = text.folded_sentences(f"{title}。{content}".lower())
    latin = case.language is Language.EN or text.is_mostly_latin(" ".join(sentences))
    size = config.shingle_size_latin if latin else config.shingle_size_zh
    sketch = sk.sketch_text(sentences, size, config.sketch_size)
    named = " 。".join(part for part in (title, content, address, accused) if part)
    bands = (
        sk.band_hashes(sketch.signature, config.lsh_bands, config.lsh_rows, case.region_code)
        if sketch.shingle_count
        else []
    )
    return CaseFeatures(sketch=sketch, places=text.folded_places(named), bands=bands)


def _places_agree(ours: frozenset[str], theirs: tuple[str, ...], lenient: bool) -> bool | None:
    """Whether two petitions name the same place: True, False (a contradiction) or None.

    None when either names no place: silence is no evidence either way. False when each
    names a place the other does not: the same template about another estate or road (a
    petition naming the estate and its road, another only the estate, still agree). A name
    contained in the other counts as the same ("阳光小区" in "阳光小区三期"). ``lenient``
    (same petitioner) also forgives one wrong character, a typo, in names of equal length;
    between two strangers one character is what tells "阳光小区" from "月光小区".
    """
    if not ours or not theirs:
        return None
    if len(ours) == 1 and len(theirs) == 1:
        # The common case, and the rule below for it.
        (mine,) = ours
        return _same_place(mine, theirs[0], lenient)
    matched_ours = {mine for mine in ours if any(_same_place(mine, o, lenient) for o in theirs)}
    if not matched_ours:
        return False
    # Some of ours unmatched is fine unless some of theirs is unmatched too.
    unmatched_theirs = any(
        not any(_same_place(mine, other, lenient) for mine in ours) for other in theirs
    )
    return len(matched_ours) == len(ours) or not unmatched_theirs


def _same_place(mine: str, other: str, lenient: bool) -> bool:
    if mine in other or other in mine:
        return True
    return (
        lenient
        and len(mine) == len(other) >= 4
        and sum(a != b for a, b in zip(mine, other, strict=True)) == 1
    )


def effective_status(matter: MatterRecord, now: int) -> MatterStatus:
    """The matter's status at event time ``now``: a handling past its due date has elapsed."""
    if matter.status is MatterStatus.HANDLING and now > matter.handling_due:
        return MatterStatus.LIMIT_ELAPSED
    return matter.status


class _Scored(NamedTuple):
    # A NamedTuple: made for nearly every candidate, at a third of a dataclass's cost.
    case_id: str
    matter_id: str
    received_at: int
    score: float
    exact: bool
    linkable: bool
    same_petitioner: bool
    place_conflict: bool


def _candidates(
    state: MatchState, case: CaseFacts, features: CaseFeatures, config: DedupConfig
) -> CaseColumns:
    region = case.region_code
    ids: dict[str, None] = {}
    exact = state.fingerprints.get(scoped_key(region, features.sketch.fingerprint))
    if exact is not None:
        ids[exact] = None
    for ref in case.petitioner_refs:
        ids.update(dict.fromkeys(state.petitioners.get(scoped_key(region, ref)) or ()))
    for place in sorted(features.places):
        ids.update(dict.fromkeys(state.places.get(scoped_key(region, place)) or ()))
    ids.update(dict.fromkeys(state.bands.members(features.bands, config.max_band_candidates)))
    ids.pop(case.case_id, None)
    values = {case_id: raw for case_id in ids if (raw := state.cases.get(case_id)) is not None}
    return CaseColumns.decode(values, config.sketch_size)


def _score(
    case: CaseFacts, features: CaseFeatures, candidates: CaseColumns, config: DedupConfig
) -> tuple[list[_Scored], float]:
    """The candidates that may link or be suggested, and the best score of all of them."""
    ours = features.sketch
    if not candidates.case_ids:
        return [], 0.0
    # Lazy expiry: the sweep may not have caught up with some candidates yet.
    horizon = case.received_epoch - config.horizon_days * _DAY
    region = case.region_code
    refs = set(case.petitioner_refs)
    scored = []
    top = 0.0
    # With a score per candidate, the rest is a few comparisons each: plain Python costs
    # less than the numpy calls it would take.
    for i, (jaccard, count, received_at) in enumerate(
        zip(
            sk.similarity(ours.signature, candidates.signatures),
            candidates.shingle_counts.tolist(),
            candidates.received_at.tolist(),
            strict=True,
        )
    ):
        if received_at < horizon or candidates.region_codes[i] != region:
            continue
        exact = bool(ours.shingle_count) and candidates.fingerprints[i] == ours.fingerprint
        if exact:
            score = 1.0
        elif not ours.shingle_count:
            # A text without shingles matches nothing.
            score = 0.0
        elif min(count, ours.shingle_count) >= config.containment_min_shingles:
            score = max(jaccard, sk.containment(jaccard, ours.shingle_count, count))
        else:
            score = jaccard
        top = max(top, score)
        # Below related_threshold a candidate neither links (every linking threshold is
        # higher) nor is suggested, unless it is an exact copy: only its score counts.
        if score < config.related_threshold and not exact:
            continue
        same_petitioner = not refs.isdisjoint(candidates.petitioner_refs[i])
        agree = _places_agree(features.places, candidates.places[i], lenient=same_petitioner)
        if same_petitioner:
            threshold = config.repeat_threshold
        elif agree:
            threshold = config.joint_threshold_same_place
        else:
            threshold = config.joint_threshold
        field = candidates.fields[i]
        if UNCLASSIFIED not in (case.field, field) and case.field != field:
            threshold += config.field_mismatch_penalty
        conflict = agree is False
        scored.append(
            _Scored(
                case_id=candidates.case_ids[i],
                matter_id=candidates.matter_ids[i],
                received_at=received_at,
                score=score,
                exact=exact,
                linkable=not conflict and (exact or score >= threshold),
                same_petitioner=same_petitioner,
                place_conflict=conflict,
            )
        )
    return scored, top


def decide(
    state: MatchState, case: CaseFacts, features: CaseFeatures, config: DedupConfig
) -> DedupDecision:
    """The verdict on a case, from the state as it is; writes nothing.

    A case already in the state (a redelivery) gets its first decision again, with the
    matter's figures as they are now.
    """
    known = state.cases.get(case.case_id)
    if known is not None:
        return _replayed(state, CaseRecord.decode(case.case_id, known), config)
    now = case.received_epoch
    scored, top = _score(case, features, _candidates(state, case, features, config), config)
    best: _Scored | None = None
    matter: MatterRecord | None = None
    for candidate in sorted(
        (s for s in scored if s.linkable),
        key=lambda s: (s.exact, s.score, s.same_petitioner, s.received_at),
        reverse=True,
    ):
        value = state.matters.get(candidate.matter_id)
        if value is not None:
            best = candidate
            matter = MatterRecord.from_json(candidate.matter_id, value)
            break
    related = _related(scored, exclude=matter.matter_id if matter else None, config=config)
    if best is not None and matter is not None:
        return _linked(case, best, matter, related, now, config)
    own_matter = matter_id_for(case.case_id)
    if related:
        verdict, reason, score = Verdict.RELATED, related[0].reason, related[0].score
    else:
        verdict, reason, score = Verdict.NEW, MatchReason.FIRST_OF_MATTER, top
    petitioners = len(case.petitioner_refs)
    return DedupDecision(
        case_id=case.case_id,
        verdict=verdict,
        reason=reason,
        matter_id=own_matter,
        score=score,
        matched_case_id=None,
        first_case_id=case.case_id,
        open_case_id=case.case_id,
        repeat_count=0,
        matter_status=MatterStatus.HANDLING,
        accept_anew=True,
        matter_petitions=1,
        matter_petitioners=petitioners,
        collective=petitioners >= config.collective_min_petitioners,
        related=related,
    )


def _related(
    scored: list[_Scored], exclude: str | None, config: DedupConfig
) -> tuple[RelatedMatter, ...]:
    best_per_matter: dict[str, _Scored] = {}
    for s in scored:
        matter_id = s.matter_id
        if s.linkable or matter_id == exclude or s.score < config.related_threshold:
            continue
        if matter_id not in best_per_matter or s.score > best_per_matter[matter_id].score:
            best_per_matter[matter_id] = s
    ranked = sorted(best_per_matter.values(), key=lambda s: s.score, reverse=True)
    return tuple(
        RelatedMatter(
            matter_id=s.matter_id,
            case_id=s.case_id,
            score=s.score,
            reason=(
                MatchReason.DIFFERENT_PLACE
                if s.place_conflict
                else MatchReason.SIMILAR_BELOW_THRESHOLD
            ),
        )
        for s in ranked[: config.related_suggestions]
    )


def _linked(
    case: CaseFacts,
    best: _Scored,
    matter: MatterRecord,
    related: tuple[RelatedMatter, ...],
    now: int,
    config: DedupConfig,
) -> DedupDecision:
    earlier = [matter.petitioners.get(ref, 0) for ref in case.petitioner_refs]
    repeat = max(earlier) > 0
    if repeat:
        verdict = Verdict.REPEAT
        reason = MatchReason.EXACT_REPEAT if best.exact else MatchReason.NEAR_REPEAT
    else:
        verdict, reason = Verdict.JOINT, MatchReason.JOINT_MATTER
    status = effective_status(matter, now)
    petitioners = len(set(matter.petitioners) | set(case.petitioner_refs))
    return DedupDecision(
        case_id=case.case_id,
        verdict=verdict,
        reason=reason,
        matter_id=matter.matter_id,
        score=best.score,
        matched_case_id=best.case_id,
        first_case_id=matter.first_case_id,
        open_case_id=_open_case(matter, status, case.case_id),
        repeat_count=max(earlier),
        matter_status=status,
        # Art. 19: not accepted again while handled; Art. 36: never after termination.
        # After a reply the petitioner may come back (Art. 35): a new round of handling.
        accept_anew=status is MatterStatus.CLOSED,
        matter_petitions=matter.petitions + 1,
        matter_petitioners=petitioners,
        collective=petitioners >= config.collective_min_petitioners,
        related=related,
    )


def _open_case(matter: MatterRecord, status: MatterStatus, case_id: str) -> str | None:
    if status is MatterStatus.TERMINATED:
        return None
    if status is MatterStatus.CLOSED or matter.open_case_id is None:
        return case_id
    return matter.open_case_id


def _replayed(state: MatchState, record: CaseRecord, config: DedupConfig) -> DedupDecision:
    value = state.matters.get(record.matter_id)
    matter = MatterRecord.from_json(record.matter_id, value) if value is not None else None
    petitioners = len(matter.petitioners) if matter else len(record.petitioner_refs)
    status = effective_status(matter, record.received_at) if matter else MatterStatus.HANDLING
    return DedupDecision(
        case_id=record.case_id,
        verdict=record.verdict,
        reason=record.reason,
        matter_id=record.matter_id,
        score=record.score,
        matched_case_id=None,
        first_case_id=matter.first_case_id if matter else record.case_id,
        open_case_id=matter.open_case_id if matter else record.case_id,
        repeat_count=record.repeat_count,
        matter_status=status,
        accept_anew=record.verdict in (Verdict.NEW, Verdict.RELATED),
        matter_petitions=matter.petitions if matter else 1,
        matter_petitioners=petitioners,
        collective=petitioners >= config.collective_min_petitioners,
    )


def expiry_bucket(epoch: int) -> str:
    """The ``expiry`` map key of a time: its UTC minute, ``YYYY-MM-DDTHH:MM``.

    A minute, not an hour: every case appends itself to its bucket's list, which costs
    the list's length, and an hour of a busy partition holds thousands of cases.
    """
    return f"{_utc_hour(epoch // 3600)}:{epoch // 60 % 60:02d}"


@lru_cache(maxsize=1024)
def _utc_hour(hours: int) -> str:
    return datetime.fromtimestamp(hours * 3600, UTC).strftime("%Y-%m-%dT%H")


EXPIRY_CURSOR: Final = "~cursor"


def record(
    state: MatchState,
    case: CaseFacts,
    features: CaseFeatures,
    decision: DedupDecision,
    config: DedupConfig,
) -> None:
    """Write a decided case into the state: its record, indexes and matter.

    Does nothing for a case already recorded, so a redelivery changes nothing.
    """
    if state.cases.get(case.case_id) is not None:
        return
    region, now = case.region_code, case.received_epoch
    places = _places_to_keep(state, features, decision)
    state.cases.set(
        case.case_id,
        CaseRecord(
            case_id=case.case_id,
            matter_id=decision.matter_id,
            region_code=region,
            received_at=now,
            field=case.field,
            petitioner_refs=case.petitioner_refs,
            places=places,
            fingerprint=features.sketch.fingerprint,
            shingle_count=features.sketch.shingle_count,
            signature=features.sketch.signature,
            verdict=decision.verdict,
            reason=decision.reason,
            score=decision.score,
            repeat_count=decision.repeat_count,
        ).encode(),
    )
    state.bands.add(features.bands, case.case_id)
    if features.sketch.shingle_count:
        state.fingerprints.set(scoped_key(region, features.sketch.fingerprint), case.case_id)
    for ref in case.petitioner_refs:
        key = scoped_key(region, ref)
        state.petitioners.set(
            key, appended(state.petitioners.get(key), case.case_id, config.max_cases_per_petitioner)
        )
    for place in places:
        key = scoped_key(region, place)
        state.places.set(
            key, appended(state.places.get(key), case.case_id, config.max_cases_per_place)
        )
    bucket = expiry_bucket(now)
    state.expiry.set(bucket, [*(state.expiry.get(bucket) or ()), case.case_id])
    cursor = state.expiry.get(EXPIRY_CURSOR)
    if not cursor or bucket < cursor[0]:
        state.expiry.set(EXPIRY_CURSOR, [bucket])
    state.matters.set(decision.matter_id, _matter_after(state, case, decision, config).to_json())


def _places_to_keep(
    state: MatchState, features: CaseFeatures, decision: DedupDecision
) -> tuple[str, ...]:
    # A linked case that names no place of its own ("阳光小去": a typo, or "我们小区")
    # keeps the places of the case it matched; otherwise it would later bridge its
    # matter to the same template about any other place.
    if features.places or decision.matched_case_id is None:
        return tuple(sorted(features.places))
    matched = state.cases.get(decision.matched_case_id)
    return CaseRecord.decode(decision.matched_case_id, matched).places if matched else ()


def _matter_after(
    state: MatchState, case: CaseFacts, decision: DedupDecision, config: DedupConfig
) -> MatterRecord:
    now = case.received_epoch
    due = now + config.handling_limit_days * _DAY
    value = state.matters.get(decision.matter_id)
    if value is None:
        return MatterRecord(
            matter_id=decision.matter_id,
            region_code=case.region_code,
            first_case_id=case.case_id,
            first_received_at=now,
            open_case_id=case.case_id,
            status=MatterStatus.HANDLING,
            handling_due=due,
            case_ids=(case.case_id,),
            petitioners=dict.fromkeys(case.petitioner_refs, 1),
            petitions=1,
        )
    matter = MatterRecord.from_json(decision.matter_id, value)
    petitioners = dict(matter.petitioners)
    for ref in case.petitioner_refs:
        petitioners[ref] = petitioners.get(ref, 0) + 1
    reopened = decision.matter_status is MatterStatus.CLOSED
    return MatterRecord(
        matter_id=matter.matter_id,
        region_code=matter.region_code,
        first_case_id=matter.first_case_id,
        first_received_at=matter.first_received_at,
        open_case_id=decision.open_case_id,
        status=MatterStatus.HANDLING if reopened else matter.status,
        handling_due=due if reopened else matter.handling_due,
        case_ids=(*matter.case_ids, case.case_id),
        petitioners=petitioners,
        petitions=matter.petitions + 1,
    )


class Matcher:
    """Decides and records cases against one state: what the dedup agent calls per case."""

    def __init__(self, state: MatchState, config: DedupConfig | None = None) -> None:
        self.state = state
        self.config = config or DedupConfig()

    def match(self, case: CaseFacts) -> DedupDecision:
        """Decide a case and record it; a redelivered case gets its first decision again."""
        features = extract_features(case, self.config)
        decision = decide(self.state, case, features, self.config)
        record(self.state, case, features, decision, self.config)
        return decision

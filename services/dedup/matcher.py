"""The dedup decision: is a registered case a new matter, a repeat, a joint petition, related?

Message in, decision out: ``decide`` reads the state and returns a ``DedupDecision``;
``record`` writes the case and the decision into the state; ``Matcher.match`` does both.
Time is the case's own ``received_at`` (event time), never the wall clock.

How a case is matched:

1. Features: the title and content are normalised (``text``), shingled per sentence and
   sketched (``sketch``); places and organisations are extracted from the text and the
   accused (what ``cases.registered`` carries: the service sees nothing else).
2. Candidates, from the index (``index.CaseIndex``), all keys scoped by the matching area
   (``areas``: the city): the exact fingerprint, the petitioner's recent cases (repeats,
   however reworded), the places' recent cases (joint petitions from one estate, road or
   employer), and the LSH bands (near-duplicates with no place or person in common).
   Candidates older than the horizon, or of a region that cannot be the same place (two
   different counties), are ignored.
3. Each candidate gets a text score: estimated Jaccard similarity, or containment when
   both texts are long enough (trimmed and extended re-submissions); a candidate of the
   same petitioner is scored without the petitioner's habit (``_without_habit``).
4. A candidate links when its score reaches the threshold for what the two have in
   common: the place this case's title names (anyone), another place (same petitioner),
   nothing (same petitioner, a higher bar), or nothing but text (another petitioner);
   and the places named do not contradict each other: the same template about another
   place is never linked, whatever its score. A candidate also links by its title alone
   (``text.topic``): the same petitioner's alike title, or another's naming this title's
   place with an alike claim; when no text score links, the best ``max_title_candidates``
   of the rest are compared by title too.
5. The best link decides the matter; the verdict is ``repeat`` when a petitioner of this
   case already petitioned on that matter, else ``joint``. Without a link, the best
   scores above ``related_threshold`` become suggestions (``related``), else ``new``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, NamedTuple

import numpy as np

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
from services.dedup.areas import match_area, may_share_matter, region_names
from services.dedup.config import DedupConfig
from services.dedup.index import U64
from services.dedup.records import CaseRecord, MatchReason, MatterRecord, MatterStatus, case_details
from services.dedup.state import MatchState

log = logging.getLogger(__name__)

UNCLASSIFIED: Final = "unclassified"
_DAY: Final = 86_400
_NO_BANDS: Final = np.empty(0, dtype=np.uint64)
#: In how many of a petitioner's other letters a phrase recurs to be their habit.
_HABIT_LETTERS: Final = 2


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


class CaseFeatures(NamedTuple):
    """What matching computes from a case's text, once.

    A NamedTuple, as the other values made for every lookup: a frozen dataclass costs
    several times as much to build.
    """

    sketch: sk.TextSketch
    places: frozenset[str]
    #: LSH band keys (``sketch.band_keys``); none for a text without shingles.
    bands: U64
    #: The places the title names: a title names the matter's place, the content also
    #: names others, and fragments of sentences the heuristic takes for places.
    title_places: frozenset[str] = frozenset()
    #: What the title says about the matter (``text.topic``), and its bigrams.
    topic: str = ""
    topic_grams: frozenset[str] = frozenset()


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
    fold = text.fold_script_and_width
    title, content = fold(case.title), fold(case.content)
    sentences = text.folded_sentences(f"{title}。{content}".lower())
    latin = case.language is Language.EN or text.is_mostly_latin(" ".join(sentences))
    size = config.shingle_size_latin if latin else config.shingle_size_zh
    sketch = sk.sketch_text(sentences, size, config.sketch_size)
    accused = fold(case.accused) if case.accused else ""
    named = " 。".join([part for part in (title, content, accused) if part])
    bands = (
        sk.case_band_keys(
            sketch.signature, config.lsh_bands, config.lsh_rows, match_area(case.region_code)
        )
        if sketch.shingle_count
        else _NO_BANDS
    )
    topic = text.topic(title.lower(), region_names(case.region_code))
    return CaseFeatures(
        sketch,
        text.folded_places(named),
        bands,
        text.folded_places(title),
        topic,
        text.topic_grams(topic),
    )


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
    # Each pair compared once.
    matched_ours = 0
    matched_theirs: set[int] = set()
    for mine in ours:
        matched = [j for j, other in enumerate(theirs) if _same_place(mine, other, lenient)]
        if matched:
            matched_ours += 1
            matched_theirs.update(matched)
    if not matched_ours:
        return False
    # Some of ours unmatched is fine unless some of theirs is unmatched too, or unless
    # most of the places of either are shared: a long letter names many places (routes,
    # roads, villages on the way), and one the other does not name is a stray mention,
    # not another matter. Half is not most: "阳光小区" and "人民路" against "月光小区"
    # and "人民路" is the template about the estate up the road.
    return (
        matched_ours == len(ours)
        or len(matched_theirs) == len(theirs)
        or 2 * matched_ours > len(ours)
        or 2 * len(matched_theirs) > len(theirs)
    )


def _title_place_named(titled: frozenset[str], theirs: tuple[str, ...], lenient: bool) -> bool:
    # Whether the other petition names a place this one's title names.
    return any(_same_place(mine, other, lenient) for mine in titled for other in theirs)


def _titles_alike(
    features: CaseFeatures, their_topic: str, their_places: tuple[str, ...], titled: bool
) -> float:
    """How alike two titles are in what they say about the matter (``text.topic``).

    When the title's place is named in the other letter (``titled``), that place is left
    out of both: it is shared already, and what is left says which of the place's
    problems the letter is about ("星沙204路公交车甩客" is not "星沙204路调整线路"). A title
    that is nothing but the place is compared whole.
    """
    ours, theirs = features.topic, their_topic
    if titled:
        shared = [p for p in features.title_places if p in ours and p in their_places]
        for place in sorted(shared, key=len, reverse=True):
            ours, theirs = ours.replace(place, " "), theirs.replace(place, " ")
        our_grams, their_grams = text.topic_grams(ours), text.topic_grams(theirs)
        if our_grams and their_grams:
            return text.topic_similarity(our_grams, their_grams)
    return text.topic_similarity(features.topic_grams, text.topic_grams(their_topic))


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
    # A NamedTuple: made for every candidate looked at, at a third of a dataclass's cost.
    case_id: str
    matter_id: str
    received_at: int
    score: float
    exact: bool
    linkable: bool
    same_petitioner: bool
    place_conflict: bool

    @property
    def rank(self) -> tuple[bool, float, bool, int]:
        """Which linkable candidate decides: an exact copy, then score, then the same
        petitioner, then the most recent."""
        return (self.exact, self.score, self.same_petitioner, self.received_at)


def _score(
    state: MatchState,
    case: CaseFacts,
    features: CaseFeatures,
    config: DedupConfig,
    now: int,
    *,
    exhaustive: bool = False,
) -> tuple[list[_Scored], float]:
    """The candidates that may link or be suggested, best score first, and the best score.

    ``now`` is the case's time of receipt (``received_epoch``).

    Every candidate is scored at once from the index's sketches; only those scoring at
    least ``related_threshold`` can link or be suggested, and they are looked at one by
    one, best first, until the rest can change neither: the link is settled (a linkable
    candidate scores higher than any left, or none left can link) and so are the
    suggestions (``related_suggestions`` other matters score higher than any left).
    ``exhaustive`` looks at all of them.
    """
    ours = features.sketch
    if not ours.shingle_count:
        # A text without shingles matches nothing.
        return [], 0.0
    index = state.index
    sequences = index.candidates(
        case.region_code,
        ours.fingerprint,
        case.petitioner_refs,
        sorted(features.places),
        features.bands,
        config,
    )
    if not sequences:
        return [], 0.0
    sketches = index.sketches(sequences)
    scores = sk.scores(
        ours.signature,
        ours.shingle_count,
        sketches.signatures,
        sketches.shingle_counts,
        config.containment_min_shingles,
    )
    related_threshold = config.related_threshold
    # Lazy expiry: the sweep may not have caught up with some candidates.
    horizon = now - config.horizon_days * _DAY
    worth: list[int] = []
    top = 0.0
    for i, (score, received) in enumerate(zip(scores, sketches.received_at, strict=True)):
        if received >= horizon:
            if score > top:
                top = score
            # Below related_threshold a candidate neither links (every linking threshold
            # is higher) nor is suggested; an exact copy has every shingle, so its score
            # is 1.
            if score >= related_threshold:
                worth.append(i)
    # Best first; stable, so equal scores keep the candidates' order.
    worth.sort(key=scores.__getitem__, reverse=True)
    lowest_link = min(config.repeat_threshold, config.joint_threshold_same_place)
    region = case.region_code
    refs = set(case.petitioner_refs)
    places = features.places
    title_places = features.title_places
    fingerprint = ours.fingerprint
    # A field mismatch raises the threshold when both cases are classified.
    field = case.field if case.field != UNCLASSIFIED else None
    scored: list[_Scored] = []
    best: _Scored | None = None
    suggested: dict[str, float] = {}
    received_at = sketches.received_at
    cases = state.cases
    # The petitioner's own earlier cases (matter, signature), read once when needed.
    own: list[tuple[str, sk.U16]] | None = None
    topic_grams = features.topic_grams
    judged: set[int] = set()

    def judge(i: int, score: float) -> _Scored | None:
        # The candidate in row `i`, text score `score`: None when it cannot be this
        # case's matter (gone, or a region that is another place).
        nonlocal own
        judged.add(i)
        sequence = sequences[i]
        case_id = index.case_id(sequence)
        if case_id is None:
            return None
        raw = cases.get(case_id)
        if raw is None:
            return None
        details = index.details(sequence, raw)
        if details.region_code != region and not may_share_matter(region, details.region_code):
            return None
        exact = details.fingerprint == fingerprint
        if exact:
            score = 1.0
        same_petitioner = not refs.isdisjoint(details.petitioner_refs)
        if same_petitioner and not exact:
            if own is None:
                own = _own_cases(state, case, config)
            score = _without_habit(
                score,
                ours.signature,
                sketches.signatures[i],
                details.matter_id,
                own,
                config.habit_discount_below,
            )
        agree = _places_agree(places, details.places, lenient=same_petitioner)
        titled = _title_place_named(title_places, details.places, same_petitioner)
        if agree is False and titled:
            # The place this letter's title is about is named in the other: the places
            # the two do not share are others the letters mention, or no places at all.
            agree = True
        if titled:
            # The place this letter is about (its title names it) is in the other letter:
            # what the matter is about, whoever wrote it. Residents reword one problem
            # about their estate far more than a text score alone would allow.
            threshold = config.joint_threshold_same_place
            title_threshold = config.title_joint_threshold
        elif same_petitioner:
            # The place weighs what the matter is about: a person's own style makes their
            # different letters alike, a place in common does not come from style.
            threshold = config.repeat_threshold if agree else config.repeat_threshold_no_place
            title_threshold = config.title_repeat_threshold
        else:
            # Two strangers' titles alike without a place in common: the same kind of
            # question ("咨询公积金贷款问题"), not one concrete problem.
            threshold = config.joint_threshold
            title_threshold = 2.0
        if field is not None and details.field not in (field, UNCLASSIFIED):
            threshold += config.field_mismatch_penalty
            # Not on titles that share the place they are about: a keyword field of a
            # letter about one village's road ("硬化道路") may say transport or rural
            # affairs, and titles saying the same of the same place are one matter.
            if not titled:
                title_threshold += config.field_mismatch_penalty
        conflict = agree is False
        linkable = not conflict and (
            exact
            or score >= threshold
            # A title is the writer's own summary of the matter: two that say the same
            # (once the words every title uses are gone) are one matter however
            # differently the letters go on; the threshold asks for the same person or
            # the same place besides.
            or _titles_alike(features, details.topic, details.places, titled) >= title_threshold
        )
        # Positional: a NamedTuple built from keywords costs twice as much.
        return _Scored(
            case_id,
            details.matter_id,
            received_at[i],
            score,
            exact,
            linkable,
            same_petitioner,
            conflict,
        )

    for i in worth:
        score = scores[i]
        if not exhaustive and _settled(best, suggested, score, lowest_link, config):
            break
        candidate = judge(i, score)
        if candidate is None:
            continue
        scored.append(candidate)
        if candidate.linkable:
            if best is None or candidate.rank > best.rank:
                best = candidate
        elif candidate.score > suggested.get(candidate.matter_id, -1.0):
            suggested[candidate.matter_id] = candidate.score
    if best is None and topic_grams:
        # No text score links: the others (the petitioner's letters, the place's) may
        # still link by their titles, however little else their words share.
        # Most are not alike in title at all: those are set aside before judging, on the
        # titles as `judge` compares them (a shared place left out can make two titles
        # more alike: "大新村爱花冲组硬化道路", "大新村15组(爱花冲)道路硬化").
        alike = min(config.title_repeat_threshold, config.title_joint_threshold)
        left = config.max_title_candidates
        for i in sorted(range(len(sequences)), key=scores.__getitem__, reverse=True):
            if i in judged or received_at[i] < horizon:
                continue
            if not left:
                break
            left -= 1
            case_id = index.case_id(sequences[i])
            raw = cases.get(case_id) if case_id is not None else None
            if raw is None:
                continue
            details = index.details(sequences[i], raw)
            same_petitioner = not refs.isdisjoint(details.petitioner_refs)
            titled = _title_place_named(title_places, details.places, same_petitioner)
            if _titles_alike(features, details.topic, details.places, titled) < alike:
                continue
            candidate = judge(i, scores[i])
            if candidate is not None and candidate.linkable:
                scored.append(candidate)
    return scored, top


def _own_cases(state: MatchState, case: CaseFacts, config: DedupConfig) -> list[tuple[str, sk.U16]]:
    """The matter and signature of each recent case of this case's petitioners."""
    index = state.index
    sequences = index.candidates(
        case.region_code, None, case.petitioner_refs, (), _NO_BANDS, config
    )
    if not sequences:
        return []
    signatures = index.sketches(sequences).signatures
    refs = set(case.petitioner_refs)
    own: list[tuple[str, sk.U16]] = []
    for sequence, signature in zip(sequences, signatures, strict=True):
        case_id = index.case_id(sequence)
        raw = state.cases.get(case_id) if case_id is not None else None
        if raw is None:
            continue
        details = index.details(sequence, raw)
        if not refs.isdisjoint(details.petitioner_refs):
            own.append((details.matter_id, signature))
    return own


def _without_habit(
    score: float,
    ours: sk.U16,
    theirs: sk.U16,
    matter_id: str,
    own: list[tuple[str, sk.U16]],
    below: float,
) -> float:
    """A same-petitioner score with the petitioner's habit taken out.

    The habit is what this letter shares with the petitioner's other letters ("在国家大力
    倡导……的大背景下，希望市委市政府……"), as MinHash slots where this sketch equals
    theirs: with a letter about another matter, or with two other letters whatever their
    matter (once a writer's first two matters were merged, their style would otherwise
    pull every later letter in). The score is scaled by the share of agreeing slots that
    remain once those are set aside: a letter like the candidate only in its writer's
    style drops; a repeat, alike in what the matter is about, keeps most of its score.
    Near-copies (``below`` or more) keep theirs: a letter sent three times is no habit.
    Slot equality finds a shared phrase only when it holds the minimum of both sketches,
    so a habit is found in part: enough to tell style from matter, not to erase it.
    """
    if score >= below:
        return score
    # A habit is what recurs: the slots this letter shares with a letter about another
    # matter, or with two other letters whatever their matter (the first two different
    # matters of a writer may have been merged already: their style is no matter).
    shared = np.zeros(ours.shape, dtype=np.int32)
    habit = np.zeros(ours.shape, dtype=np.bool_)
    for other_matter, signature in own:
        if np.array_equal(signature, theirs):
            continue
        equal = ours == signature
        shared += equal
        if other_matter != matter_id:
            habit |= equal
    habit |= shared >= _HABIT_LETTERS
    if not habit.any():
        return score
    kept = ~habit
    if not kept.any():
        return 0.0  # all this letter has in common with the petitioner's is habit
    agreeing = ours == theirs
    raw = float(agreeing.mean())
    if not raw:
        return score
    return score * float((agreeing & kept).sum() / kept.sum()) / raw


def _settled(
    best: _Scored | None,
    suggested: dict[str, float],
    next_score: float,
    lowest_link: float,
    config: DedupConfig,
) -> bool:
    # Whether no candidate scoring `next_score` or less can change the verdict: see _score.
    if best is not None:
        if next_score >= best.score:
            return False
    elif next_score >= lowest_link:
        return False
    wanted = config.related_suggestions
    if not wanted:
        return True
    if len(suggested) < wanted:
        return False
    exclude = best.matter_id if best is not None else None
    ahead = sorted((s for m, s in suggested.items() if m != exclude), reverse=True)
    return len(ahead) >= wanted and ahead[wanted - 1] > next_score


def decide(
    state: MatchState, case: CaseFacts, features: CaseFeatures, config: DedupConfig
) -> DedupDecision:
    """The verdict on a case, from the state as it is; writes nothing.

    A case already in the state (a redelivery) gets its first decision again, with the
    matter's figures as they are now.
    """
    return _decide(state, case, features, config, case.received_epoch)[0]


def _decide(
    state: MatchState, case: CaseFacts, features: CaseFeatures, config: DedupConfig, now: int
) -> tuple[DedupDecision, MatterRecord | None, bool]:
    # The decision, the matter it links to as read (None for a new one), and whether the
    # case was known already. `now` is the case's `received_epoch`, computed once.
    known = state.cases.get(case.case_id)
    if known is not None:
        return _replayed(state, CaseRecord.decode(case.case_id, known), config), None, True
    scored, top = _score(state, case, features, config, now)
    best, matter = _best_link(state, scored)
    if best is None and any(s.linkable for s in scored):
        # The links found lead to matters gone (merged away, expired): look at them all.
        scored, top = _score(state, case, features, config, now, exhaustive=True)
        best, matter = _best_link(state, scored)
    related = _related(scored, exclude=matter.matter_id if matter else None, config=config)
    if best is not None and matter is not None:
        return _linked(case, best, matter, related, now, config), matter, False
    own_matter = matter_id_for(case.case_id)
    if related:
        verdict, reason, score = Verdict.RELATED, related[0].reason, related[0].score
    else:
        verdict, reason, score = Verdict.NEW, MatchReason.FIRST_OF_MATTER, top
    petitioners = len(case.petitioner_refs)
    decision = DedupDecision(
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
    return decision, None, False


def _best_link(
    state: MatchState, scored: list[_Scored]
) -> tuple[_Scored | None, MatterRecord | None]:
    # Stable: among equal ranks, the candidate found first.
    for candidate in sorted((s for s in scored if s.linkable), key=_rank, reverse=True):
        value = state.matters.get(candidate.matter_id)
        if value is not None:
            return candidate, MatterRecord.from_json(candidate.matter_id, value)
    return None, None


def _rank(candidate: _Scored) -> tuple[bool, float, bool, int]:
    return candidate.rank


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


def record(
    state: MatchState,
    case: CaseFacts,
    features: CaseFeatures,
    decision: DedupDecision,
    config: DedupConfig,
) -> None:
    """Write a decided case into the state: its record and matter, and index it.

    A case already recorded (a redelivery) changes nothing, unless its matter's write was
    lost (``_repair_matter``).
    """
    if state.cases.get(case.case_id) is not None:
        _repair_matter(state, case, decision, config, case.received_epoch)
        return
    value = state.matters.get(decision.matter_id)
    matter = MatterRecord.from_json(decision.matter_id, value) if value is not None else None
    _write(state, case, features, decision, config, matter, case.received_epoch)


def _write(
    state: MatchState,
    case: CaseFacts,
    features: CaseFeatures,
    decision: DedupDecision,
    config: DedupConfig,
    matter: MatterRecord | None,
    now: int,
) -> None:
    # `record` of a case not yet recorded, `matter` being the decision's matter as it is
    # (None when the decision opens it), `now` the case's `received_epoch`.
    places = _places_to_keep(state, features, decision)
    stored = CaseRecord(
        case_id=case.case_id,
        matter_id=decision.matter_id,
        region_code=case.region_code,
        received_at=now,
        sequence=state.index.next_sequence,
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
        topic=features.topic,
    )
    # Two writes, two changelogs: a worker killed between them leaves the case recorded
    # and its matter not (or, the other way round, the matter counting a case not
    # recorded). The redelivery mends either: `_repair_matter`, and `_matter_after`
    # counting a case once.
    state.cases.set(case.case_id, stored.encode())
    state.matters.set(
        decision.matter_id, _matter_after(case, decision, config, matter, now).to_json()
    )
    state.index.add(stored, features.bands)


def _repair_matter(
    state: MatchState, case: CaseFacts, decision: DedupDecision, config: DedupConfig, now: int
) -> bool:
    """Write the matter of a redelivered case again if it does not list the case.

    ``decision`` is the case's replayed decision. The case's record reached the state and
    its matter's did not: the worker stopped between the two writes of ``_write``. Left
    so, the matter would be missing for every later petition that finds the case (they
    would open a matter of their own). True when something was written.
    """
    value = state.matters.get(decision.matter_id)
    matter = MatterRecord.from_json(decision.matter_id, value) if value is not None else None
    if matter is not None and case.case_id in matter.case_ids:
        return False
    log.warning(
        "matter of a redelivered case written again",
        extra={"case_id": case.case_id, "matter_id": decision.matter_id,
               "matter_was": "missing" if matter is None else "without the case"},
    )  # fmt: skip
    state.matters.set(
        decision.matter_id, _matter_after(case, decision, config, matter, now).to_json()
    )
    return True


def _places_to_keep(
    state: MatchState, features: CaseFeatures, decision: DedupDecision
) -> tuple[str, ...]:
    # A linked case that names no place of its own ("阳光小去": a typo, or "我们小区")
    # keeps the places of the case it matched; otherwise it would later bridge its
    # matter to the same template about any other place.
    if features.places or decision.matched_case_id is None:
        return tuple(sorted(features.places))
    matched = state.cases.get(decision.matched_case_id)
    return case_details(matched).places if matched else ()


def _matter_after(
    case: CaseFacts,
    decision: DedupDecision,
    config: DedupConfig,
    matter: MatterRecord | None,
    now: int,
) -> MatterRecord:
    due = now + config.handling_limit_days * _DAY
    if matter is not None and case.case_id in matter.case_ids:
        return matter  # counted already (the matter's write landed, the case's did not)
    if matter is None:
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
        now = case.received_epoch
        decision, matter, known = _decide(self.state, case, features, self.config, now)
        if not known:
            _write(self.state, case, features, decision, self.config, matter, now)
        elif _repair_matter(self.state, case, decision, self.config, now):
            decision = _decide(self.state, case, features, self.config, now)[0]
        return decision

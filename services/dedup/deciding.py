"""The verdict on a case from the state as it is.

The best link, the suggestions, and a replayed case's first decision; writes nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Final

from schemas.cases import Verdict
from services.dedup import aboutness, organisations, text
from services.dedup.areas import may_share_matter
from services.dedup.config import DedupConfig
from services.dedup.decision import DedupDecision, MergedMatter, RelatedMatter, matter_id_for
from services.dedup.facts import CaseFacts
from services.dedup.features import SUBJECT_RE, CaseFeatures
from services.dedup.place_agreement import places_agree, subjects_all_agree
from services.dedup.records import CaseRecord, MatchReason, MatterRecord, MatterStatus
from services.dedup.scoring import (
    Scored,
    matter_claims,
    matter_details,
    matter_subjects,
    score_candidates,
    title_kinds,
)
from services.dedup.state import MatchState, read_matter


def effective_status(matter: MatterRecord, now: int) -> MatterStatus:
    """The matter's status at event time ``now``: a handling past its due date has elapsed."""
    if matter.status is MatterStatus.HANDLING and now > matter.handling_due:
        return MatterStatus.LIMIT_ELAPSED
    return matter.status


def decide(
    state: MatchState, case: CaseFacts, features: CaseFeatures, config: DedupConfig
) -> DedupDecision:
    """The verdict on a case, from the state as it is; writes nothing.

    A case already in the state (a redelivery) gets its first decision again, with the
    matter's figures as they are now.
    """
    return decide_with_matter(state, case, features, config, case.received_epoch)[0]


def decide_with_matter(
    state: MatchState, case: CaseFacts, features: CaseFeatures, config: DedupConfig, now: int
) -> tuple[DedupDecision, MatterRecord | None, bool]:
    # The decision, the matter it links to as read (None for a new one), and whether the
    # case was known already. `now` is the case's `received_epoch`, computed once.
    known = state.cases.get(case.case_id)
    if known is not None:
        return _replayed(state, CaseRecord.decode(case.case_id, known), config), None, True
    scored, top = score_candidates(state, case, features, config, now)
    best, matter = _best_link(state, scored)
    if best is None and any(s.linkable for s in scored):
        # The links found lead to matters gone (merged away, expired): look at them all.
        scored, top = score_candidates(state, case, features, config, now, exhaustive=True)
        best, matter = _best_link(state, scored)
    if best is None and config.matter_join_min_letters:
        best, matter = _joined_by_matter(state, features, scored, now, config)
    related = _related(scored, exclude=matter.matter_id if matter else None, config=config)
    if best is not None and matter is not None:
        merged = _matters_to_merge(state, scored, best, matter, now, config)
        return _linked(case, best, matter, merged, related, now, config), matter, False
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
    state: MatchState, scored: list[Scored]
) -> tuple[Scored | None, MatterRecord | None]:
    # Stable: among equal ranks, the candidate found first.
    for candidate in sorted((s for s in scored if s.linkable), key=_rank, reverse=True):
        matter = read_matter(state.matters, candidate.matter_id)
        if matter is not None:
            return candidate, matter
    return None, None


#: The statuses of a matter still open: another matter is merged only into an open one,
#: and only when open itself (a closed matter's new round is the petitioner's to start).
_OPEN: Final = frozenset({MatterStatus.HANDLING, MatterStatus.LIMIT_ELAPSED})
#: The id of a matter an operator split off (``operations.split_case``): an operator's
#: judgement that it is another matter, which no letter's likeness to both undoes.
_SPLIT_OFF_RE: Final = re.compile(r"-S\d+$")


def _matters_to_merge(
    state: MatchState,
    scored: list[Scored],
    best: Scored,
    matter: MatterRecord,
    now: int,
    config: DedupConfig,
) -> tuple[MatterRecord, ...]:
    """The other open matters of ``matter``'s region this case shows to be one with it.

    A letter linked strongly (its text score, not its title alone) to cases of two matters
    shows they are one: greedy matching in order of arrival splits a joint problem among
    its first letters when they are worded apart, and the letter that words it as both do
    is what joins them. The matters must be of one region and both still open, neither
    split off by an operator; the best link must itself be strong; and the two linked
    letters' titles must say alike (``title_alike``): a letter raising two problems of one
    estate links to both, and they stay two matters. Or both links are as one narrow kind
    of problem at the estate all three titles name, each at least ``narrow_floor``, and
    the two matters name no other kinds of their own (``_one_by``). Or the two matters'
    letters, as a whole, say they are one (``_one_by_matters``).
    """
    title_alike = config.title_joint_threshold
    narrow_floor = config.joint_threshold_same_place
    readings = _MatterReadings(state, config)
    if (
        not (best.strong or best.one_matter or best.subject or best.score >= narrow_floor)
        or effective_status(matter, now) not in _OPEN
    ):
        return ()
    if _SPLIT_OFF_RE.search(matter.matter_id):
        return ()
    merged: dict[str, MatterRecord] = {}
    for candidate in scored:
        matter_id = candidate.matter_id
        if (
            # The cheap tests first: most candidates are of the matter linked to (a big
            # matter's letters are many of them), and `_one_by` reads matters' records.
            matter_id == matter.matter_id
            or matter_id in merged
            or _SPLIT_OFF_RE.search(matter_id)
            or not (
                (
                    (best.strong or best.one_matter or best.subject)
                    and _one_by(state, best, candidate, title_alike, narrow_floor)
                )
                or _one_by_matters(readings, best, candidate, narrow_floor)
            )
        ):
            continue
        other = read_matter(state.matters, matter_id)
        if other is None:
            continue
        if (
            # Of one region, or a city's and one of its counties' (a letter to the city's
            # mailbox naming no district opened one): as a case links, never two counties.
            may_share_matter(other.region_code, matter.region_code)
            # Merging moves every case record of the other matter: one that no longer
            # names them all (a mass campaign's) stays apart, a missed link.
            and other.names_every_case
            and effective_status(other, now) in _OPEN
        ):
            merged[matter_id] = other
    return tuple(merged[m] for m in sorted(merged))


def _one_by(
    state: MatchState, best: Scored, candidate: Scored, title_alike: float, narrow_floor: float
) -> bool:
    # Whether the letter's links to `best` and to `candidate` show their matters are one:
    # both strong, their titles alike; or both as one narrow kind of problem at the estate
    # the three titles name (``Scored.one_matter``: an unnamed mixing plant beside it,
    # parking spaces forced on its buyers). Links so merging are never weaker than a link
    # on a place the titles share must be (``narrow_floor``): weaker evidence than two
    # strong links must give does not merge where they would not. And the two matters
    # name no kinds of their own: every other kind one matter's titles name, the other's
    # name too, or it names none (a plant's noise is not its dust: a second plant by the
    # estate is written about so, "丽景新苑西边新建搅拌站粉尘污染", while its next letter
    # names the plant alone, "丽景新苑西边新建搅拌站何时拆除").
    if best.subject and candidate.subject:
        # Both as the subject of this letter, one object at one estate (``Scored.subject``),
        # and of one plant: every subject of both matters agrees with every other (no two
        # sides of the estate, no two names), as agreement is not transitive (an unsided
        # plant agrees with both sides: it may link, never bridge).
        return subjects_all_agree(
            (
                best.subject,
                candidate.subject,
                *matter_subjects(state, best.matter_id),
                *matter_subjects(state, candidate.matter_id),
            )
        )
    if best.strong and candidate.strong:
        ours = text.topic_grams(best.topic)
        return text.topic_similarity(ours, text.topic_grams(candidate.topic)) >= title_alike
    kind = best.one_matter
    if (
        not kind
        or candidate.one_matter != kind
        or best.score < narrow_floor
        or candidate.score < narrow_floor
    ):
        return False
    ours = matter_claims(state, best.matter_id) | text.claims(best.topic)
    theirs = matter_claims(state, candidate.matter_id) | text.claims(candidate.topic)
    if kind in text.OBJECTS:
        # Of a plant, both matters name a wrong of it: a matter naming the plant alone
        # ("丽景新苑搅拌站无证经营", "何时拆除") may be another plant of the estate, and no
        # kind it names is one the other's must hold.
        ours, theirs = ours - text.OBJECTS, theirs - text.OBJECTS
        if not ours or not theirs:
            return False
    return ours <= theirs or theirs <= ours


def _dominant(counts: Counter[str], letters: int) -> frozenset[str]:
    # What at least half a matter's letters name.
    return frozenset(k for k, n in counts.items() if 2 * n >= letters)


class _MatterReadings:
    """What matters' letters say as a whole, each matter read once per decision: its
    letters' count, the places at least half of them name (their subjects left out), the
    kinds of problem at least half of their titles name (``text.claims``, families left
    out, a narrow kind a title names, ``text.one_matter_kind``, counted as one). A matter
    of fewer letters than ``matter_merge_min_letters`` or more than
    ``matter_merge_max_letters`` says nothing (None); the latter is not read at all."""

    def __init__(self, state: MatchState, config: DedupConfig) -> None:
        self._state = state
        self._fewest = config.matter_merge_min_letters
        self._most = config.matter_merge_max_letters
        self._read: dict[str, tuple[frozenset[str], frozenset[str]] | None] = {}
        self._kinds: dict[str, Counter[str]] = {}
        self._letters: dict[str, list[tuple[str, ...]]] = {}
        self._topics: dict[str, tuple[str, ...]] = {}
        self._agreed: dict[str, tuple[str, ...]] = {}
        self._subjects: dict[str, tuple[str, ...]] = {}

    def reading(self, matter_id: str) -> tuple[frozenset[str], frozenset[str]] | None:
        if matter_id in self._read:
            return self._read[matter_id]
        places: Counter[str] = Counter()
        kinds: Counter[str] = Counter()
        letters = 0
        named: list[tuple[str, ...]] = []
        topics: list[str] = []
        for details in matter_details(self._state, matter_id, self._most):
            letters += 1
            topics.append(details.topic)
            ours = tuple(dict.fromkeys(p for p in details.places if "〔" not in p))
            named.append(ours)
            places.update(ours)
            # A narrow kind the title names (parking forced on buyers) is a kind of its
            # own: a forced sale's matter and a parking fee's are two.
            kinds.update(title_kinds(details.topic))
        found = (
            (_dominant(places, letters), _dominant(kinds, letters))
            if letters >= self._fewest
            else None
        )
        self._read[matter_id] = found
        self._kinds[matter_id] = kinds
        self._letters[matter_id] = named
        self._topics[matter_id] = tuple(topics)
        return found

    def topics(self, matter_id: str) -> tuple[str, ...]:
        # The topics of a matter's letters; read only of a matter ``reading`` read.
        return self._topics.get(matter_id, ())

    def agreed_places(self, matter_id: str) -> tuple[str, ...]:
        """The places at least half a matter's letters name by place agreement
        (``place_agreement.places_agree``: a short name, a sound-alike, one held in the
        other), not only as written: a matter whose letters write 汀澜雅苑, 汀兰雅苑 and
        汀澜 has one place. Read only of a matter ``reading`` read."""
        found = self._agreed.get(matter_id)
        if found is not None:
            return found
        named = self._letters.get(matter_id, [])
        agreed: list[str] = []
        for place in dict.fromkeys(p for ours in named for p in ours):
            one = frozenset((place,))
            naming = sum(1 for ours in named if ours and places_agree(one, ours, False))
            if 2 * naming >= len(named):
                agreed.append(place)
        found = self._agreed[matter_id] = tuple(agreed)
        return found

    def kinds_named(self, matter_id: str, titles: int) -> frozenset[str]:
        # The kinds at least `titles` of a matter's titles name; read only of a matter
        # ``reading`` read.
        return frozenset(k for k, n in self._kinds.get(matter_id, Counter()).items() if n >= titles)

    def subjects(self, matter_id: str) -> tuple[str, ...]:
        # Read only of a matter ``reading`` read: of at most ``matter_merge_max_letters``.
        found = self._subjects.get(matter_id)
        if found is None:
            found = self._subjects[matter_id] = tuple(matter_subjects(self._state, matter_id))
        return found


def _one_by_matters(
    readings: _MatterReadings, best: Scored, candidate: Scored, floor: float
) -> bool:
    # Two matters this letter is alike to, linkable to the one, at least at a shared
    # place's bar (``floor``) with a letter of the other and no place conflict, whose
    # letters say they are one: at least half of each matter's letters name one place,
    # the kinds of problem at least half of each one's titles name are the same (one at
    # least), and their subjects all agree. A letter alike to many letters of one problem
    # at one estate, and to another matter's many letters of it, shows the two are one,
    # where a letter-to-letter link joins them only when both are strong. One letter is
    # not a matter: what most of one letter names is that letter's (another problem of
    # the estate). The kinds most titles of each name are the same: a matter of parking
    # forced on buyers and one of a parking fee (both "parking") stay two, though a letter
    # forcing a purchase may be alike to a fee letter's "强迫".
    if not best.linkable or candidate.place_conflict or min(best.score, candidate.score) < floor:
        return False
    ours = readings.reading(best.matter_id)
    if ours is None or not ours[0] or not ours[1]:
        # Of no one place or no one kind: nothing to be one by (the other is not read).
        return False
    theirs = readings.reading(candidate.matter_id)
    if theirs is None or ours[0].isdisjoint(theirs[0]) or ours[1] != theirs[1]:
        return False
    return subjects_all_agree(
        (*readings.subjects(best.matter_id), *readings.subjects(candidate.matter_id))
    )


def _joined_by_matter(
    state: MatchState,
    features: CaseFeatures,
    scored: list[Scored],
    now: int,
    config: DedupConfig,
) -> tuple[Scored | None, MatterRecord | None]:
    """The open matter a letter linking to no letter is of by what its letters say as a
    whole, and the candidate of it found; (None, None) for none.

    A resident's short letter on a hot problem shares few words with each neighbour's
    letter ("汀澜雅苑后面的搅拌站晚上还在干", "宏基搅拌站噪音扰民"), and what the many letters
    share is the place and the problem. The matter holds at least
    ``matter_join_min_letters`` letters (what most of one or two letters name is theirs:
    another problem of the place); this letter names a place at least half of them name
    (``_MatterReadings``), as written or by place agreement (a short name, a sound-alike,
    one held in the other: "东南海小区" of a matter writing "融科东南海小区"; the
    matter's places counted by agreement too, ``_MatterReadings.agreed_places``); its
    title names a kind at least half of their titles name and no kind fewer than two of
    them name (a lift's fault is not the estate's fee rise, however many write of the
    fee), or, naming none ("融科东南海业主的心声"), its opening does so
    (``aboutness.opening_kinds``); of a building's or a part's kind (a lift, a leak), no
    title of the matter names another building or part than its title does
    (``text.parts_differ``: 7栋's lift is not 3栋's); its subject, if any, agrees with
    all of theirs, its estate by place agreement (``_subject_of_matter``); and the
    candidate is not the petitioner's own, nor in a place conflict with it. Best text
    score first."""
    ours_places = frozenset(p for p in features.places if "〔" not in p)
    ours_kinds = title_kinds(features.topic) or _opening_kinds(features.topic)
    if not ours_places or not ours_kinds:
        return None, None
    least = config.matter_join_min_letters
    readings = _MatterReadings(state, config)
    looked: set[str] = set()
    for candidate in sorted(scored, key=_score, reverse=True):
        matter_id = candidate.matter_id
        if candidate.place_conflict or candidate.same_petitioner or matter_id in looked:
            continue
        looked.add(matter_id)
        found = readings.reading(matter_id)
        if found is None or ours_kinds.isdisjoint(found[1]):
            continue
        if ours_places.isdisjoint(found[0]) and not places_agree(
            ours_places, readings.agreed_places(matter_id), False
        ):
            continue
        if ours_kinds & found[1] <= text.PART_KINDS and any(
            text.parts_differ(features.topic, topic) for topic in readings.topics(matter_id)
        ):
            # One building's lift, another's leak: another object of the place.
            continue
        if not ours_kinds <= readings.kinds_named(matter_id, 2):
            continue
        if features.subject and not _subject_of_matter(
            features.subject, readings.subjects(matter_id)
        ):
            continue
        matter = read_matter(state.matters, matter_id)
        if (
            matter is not None
            and matter.petitions >= least
            and effective_status(matter, now) in _OPEN
            and not _SPLIT_OFF_RE.search(matter_id)
        ):
            return candidate, matter
    return None, None


def _subject_of_matter(ours: str, theirs: tuple[str, ...]) -> bool:
    """Whether a letter's subject (``features.letter_subject``) is the one a matter's
    letters' subjects are: they agree with it all together (``subjects_all_agree``), or,
    theirs agreeing all together, each names its object (an organisation's wrong left
    out), of no other side and no other name, and one of them at an estate its estate
    agrees with by place agreement ("汀澜小区〔搅拌站〕", "汀澜雅苑〔搅拌站〕": a short name, a
    sound-alike; ``place_agreement.places_agree``)."""
    if subjects_all_agree((ours, *theirs)):
        return True
    mine = SUBJECT_RE.match(ours)
    if mine is None or not theirs or mine.group(2) in organisations.WRONGS:
        return False
    others = [SUBJECT_RE.match(subject) for subject in dict.fromkeys(theirs)]
    return (
        all(
            other is not None
            and other.group(2) == mine.group(2)
            and _parts_agree(mine.group(3), other.group(3), mine.group(4), other.group(4))
            for other in others
        )
        and any(
            other is not None
            and places_agree(frozenset((mine.group(1),)), (other.group(1),), False)
            for other in others
        )
        and subjects_all_agree(theirs)
    )


def _parts_agree(
    our_sides: str, their_sides: str, our_name: str | None, their_name: str | None
) -> bool:
    # A plant's sides of the estate ("西", "东": two plants) and its names ("鑫磊",
    # "鑫磊建材": one), each unsaid in either or shared.
    return (not our_sides or not their_sides or not set(our_sides).isdisjoint(their_sides)) and (
        not our_name or not their_name or our_name in their_name or their_name in our_name
    )


def _opening_kinds(topic: str) -> frozenset[str]:
    # The kinds the opening of a letter whose title names none says
    # (``aboutness.opening_kinds``), their families left out: what its title would say.
    return text.without_families(aboutness.opening_kinds(topic))


def _score(candidate: Scored) -> float:
    return candidate.score


def _rank(candidate: Scored) -> tuple[bool, float, bool, int]:
    return candidate.rank


def _related(
    scored: list[Scored], exclude: str | None, config: DedupConfig
) -> tuple[RelatedMatter, ...]:
    best_per_matter: dict[str, Scored] = {}
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
    best: Scored,
    matter: MatterRecord,
    merged: tuple[MatterRecord, ...],
    related: tuple[RelatedMatter, ...],
    now: int,
    config: DedupConfig,
) -> DedupDecision:
    # The figures are the merged matter's: `matter` and those merged into it.
    tally = matter.petitioners
    for other in merged:
        tally = tally.merged(other.petitioners)
    earlier = [tally.earlier(ref) for ref in case.petitioner_refs]
    repeat = max(earlier) > 0
    if repeat:
        verdict = Verdict.REPEAT
        reason = MatchReason.EXACT_REPEAT if best.exact else MatchReason.NEAR_REPEAT
    else:
        verdict, reason = Verdict.JOINT, MatchReason.JOINT_MATTER
    status = effective_status(matter, now)
    petitioners = tally.people_with(case.petitioner_refs)
    first = min((matter, *merged), key=lambda m: (m.first_received_at, m.first_case_id))
    return DedupDecision(
        case_id=case.case_id,
        verdict=verdict,
        reason=reason,
        matter_id=matter.matter_id,
        score=best.score,
        matched_case_id=best.case_id,
        first_case_id=first.first_case_id,
        open_case_id=_open_case(matter, status, case.case_id),
        repeat_count=max(earlier),
        matter_status=status,
        # Art. 19: not accepted again while handled; Art. 36: never after termination.
        # After a reply the petitioner may come back (Art. 35): a new round of handling.
        accept_anew=status is MatterStatus.CLOSED,
        matter_petitions=matter.petitions + sum(m.petitions for m in merged) + 1,
        matter_petitioners=petitioners,
        collective=petitioners >= config.collective_min_petitioners,
        related=related,
        merged=tuple(MergedMatter(m.matter_id, m.case_ids) for m in merged),
    )


def _open_case(matter: MatterRecord, status: MatterStatus, case_id: str) -> str | None:
    if status is MatterStatus.TERMINATED:
        return None
    if status is MatterStatus.CLOSED or matter.open_case_id is None:
        return case_id
    return matter.open_case_id


def _replayed(state: MatchState, record: CaseRecord, config: DedupConfig) -> DedupDecision:
    matter = read_matter(state.matters, record.matter_id)
    petitioners = matter.petitioners.people if matter else len(record.petitioner_refs)
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

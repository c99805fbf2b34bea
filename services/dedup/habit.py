"""A petitioner's habit: what their letters share whatever the matter.

It is taken out of the score of a letter against another of the same petitioner.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from services.dedup import aboutness, towns
from services.dedup import sketch as sk
from services.dedup.config import DedupConfig
from services.dedup.facts import CaseFacts
from services.dedup.features import NO_BANDS
from services.dedup.state import MatchState

#: In how many of a petitioner's other letters a phrase recurs to be their habit.
_HABIT_LETTERS: Final = 2


def own_cases(
    state: MatchState, case: CaseFacts, config: DedupConfig, topic: str = ""
) -> list[tuple[str, sk.U16]]:
    """The matter and signature of each recent case of this case's petitioners. Not of
    one about another object of the place this case's title (its ``topic``) is about (a
    named project of the town whose plan it asks about: ``towns.plan_and_project``): the
    two share the place's words, not the writer's style."""
    index = state.index
    sequences = index.candidates(case.region_code, None, case.petitioner_refs, (), NO_BANDS, config)
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
        if not refs.isdisjoint(details.petitioner_refs) and not (
            topic and towns.plan_and_project(topic, aboutness.without_kept(details.topic))
        ):
            own.append((details.matter_id, signature))
    return own


def without_habit(
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

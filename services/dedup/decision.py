"""The verdict on one case, with its evidence (``DedupDecision``).

Also the id of the matter a case opens (``matter_id_for``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from schemas.cases import (
    CaseDeduplicated,
    CaseRegistered,
    DedupReason,
    MatterState,
    RelatedCase,
    Verdict,
)
from services.dedup.records import MatchReason, MatterStatus


@dataclass(frozen=True, slots=True)
class RelatedMatter:
    """A matter similar to the case but not linked to it: a suggestion for a caseworker."""

    matter_id: str
    case_id: str
    score: float
    reason: MatchReason


@dataclass(frozen=True, slots=True)
class MergedMatter:
    """An open matter this case showed to be one with the matter it joins: merged into it."""

    matter_id: str
    #: Its cases, which move into the matter the case joins.
    case_ids: tuple[str, ...]


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
    #: Other open matters of the region this case links to as strongly: they were one
    #: matter all along (residents' letters on one problem, split before this letter
    #: bridged them), and are merged into ``matter_id``, their cases with them.
    merged: tuple[MergedMatter, ...] = ()

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
            "merged_matter_ids": [m.matter_id for m in self.merged],
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

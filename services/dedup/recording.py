"""Writing a decided case into the state: its record, its matter and the index.

Also mending the matter of a redelivered case whose write a stopped worker lost.
"""

from __future__ import annotations

import logging

from services.dedup.config import DedupConfig
from services.dedup.conflicts import KeptCase
from services.dedup.decision import DedupDecision
from services.dedup.facts import DAY, CaseFacts
from services.dedup.features import CaseFeatures
from services.dedup.operations import merge_matters
from services.dedup.records import (
    CaseRecord,
    MatterRecord,
    MatterStatus,
    case_details,
    newest_case_ids,
)
from services.dedup.state import MatchState, read_matter, write_matter
from services.dedup.tally import PetitionerTally

log = logging.getLogger(__name__)


def record(
    state: MatchState,
    case: CaseFacts,
    features: CaseFeatures,
    decision: DedupDecision,
    config: DedupConfig,
) -> None:
    """Write a decided case into the state: its record and matter, and index it.

    A case already recorded (a redelivery) changes nothing, unless its matter's write was
    lost (``repair_matter``).
    """
    if state.cases.get(case.case_id) is not None:
        repair_matter(state, case, decision, config, case.received_epoch)
        return
    matter = read_matter(state.matters, decision.matter_id)
    write_case(state, case, features, decision, config, matter, case.received_epoch)


def write_case(
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
        # In the record, not in a table of its own: one write and one changelog record a
        # case fewer, and it comes and goes with the record (written, moved, expired).
        kept=KeptCase.of(case.digest, decision).to_text() if case.digest else "",
    )
    # Two writes, two changelogs: a worker killed between them leaves the case recorded
    # and its matter not (or, the other way round, the matter counting a case not
    # recorded). The redelivery mends either: `repair_matter`, and `_matter_after`
    # counting a case once.
    state.cases.set(case.case_id, stored.encode())
    write_matter(
        state.matters, decision.matter_id, _matter_after(case, decision, config, matter, now)
    )
    state.index.add(stored, features.bands)
    # Last: a worker stopped before a merge leaves the matters apart, as they were (a
    # missed link), and the case recorded in the kept one.
    for absorbed in decision.merged:
        merge_matters(state, decision.matter_id, absorbed.matter_id)


def repair_matter(
    state: MatchState, case: CaseFacts, decision: DedupDecision, config: DedupConfig, now: int
) -> bool:
    """Write the matter of a redelivered case again if it does not list the case.

    ``decision`` is the case's replayed decision. The case's record reached the state and
    its matter's did not: the worker stopped between the two writes of ``_write``. Left
    so, the matter would be missing for every later petition that finds the case (they
    would open a matter of their own). True when something was written.
    """
    matter = read_matter(state.matters, decision.matter_id)
    if matter is not None and case.case_id in matter.case_ids:
        return False
    log.warning(
        "matter of a redelivered case written again",
        extra={"case_id": case.case_id, "matter_id": decision.matter_id,
               "matter_was": "missing" if matter is None else "without the case"},
    )  # fmt: skip
    write_matter(
        state.matters, decision.matter_id, _matter_after(case, decision, config, matter, now)
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
    due = now + config.handling_limit_days * DAY
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
            petitioners=PetitionerTally.of(case.petitioner_refs),
            petitions=1,
            live_cases=1,
        )
    reopened = decision.matter_status is MatterStatus.CLOSED
    return MatterRecord(
        matter_id=matter.matter_id,
        region_code=matter.region_code,
        first_case_id=matter.first_case_id,
        first_received_at=matter.first_received_at,
        open_case_id=decision.open_case_id,
        status=MatterStatus.HANDLING if reopened else matter.status,
        handling_due=due if reopened else matter.handling_due,
        case_ids=newest_case_ids((*matter.case_ids, case.case_id)),
        petitioners=matter.petitioners.with_petition(case.petitioner_refs),
        petitions=matter.petitions + 1,
        live_cases=matter.live_cases + 1,
    )
